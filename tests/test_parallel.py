"""harvest at scale, run for real on tests/fixtures/reruns (one scenario passes, one always fails,
one fails on its first attempt only): -j's one report, --failed, --retry and flaky, --shard."""

import json
import re
import xml.etree.ElementTree as ET

from tests.conftest import ROOT, harvest_env, run_harvest
from tests.test_no_leaks import gone

FIXTURE = ROOT / "tests" / "fixtures" / "reruns"
FEATURE = FIXTURE / "reruns.feature"
ALWAYS_FAILS = "tests/fixtures/reruns/reruns.feature:8"
FAILS_ONCE = "tests/fixtures/reruns/reruns.feature:12"


def env_for(tmp_path, name="marks"):
    env = harvest_env(tmp_path)
    env["HARVEST_ATTEMPTS"] = str(tmp_path / name)  # where the flaky step counts its attempts
    return env


def summary(result):
    found = re.search(r"^harvest: \d+ passed.*$", result.stdout, re.MULTILINE)
    assert found, result.stdout + result.stderr
    return found[0]


def reports(tmp_path, name):
    return [
        "--with-xunit", "--xunit-file", str(tmp_path / f"{name}.xml"),
        "--with-jsonreport", "--jsonreport-file", str(tmp_path / f"{name}.json"),
        "--html", str(tmp_path / f"{name}.html"),
    ]  # fmt: skip


def junit_cases(path):
    cases = ET.parse(path).getroot().iter("testcase")
    return [(c.get("classname"), c.get("name"), c.get("status")) for c in cases]


def json_scenarios(path):
    def steps(item):
        return [step.get("result", {}).get("status") for step in item["steps"]]

    features = json.loads(path.read_text())
    return [(f["name"], e["name"], e["status"], steps(e)) for f in features for e in f["elements"]]


def progress(result):
    """The progress lines: one a feature, a mark a scenario (the time lines left out)."""
    return [line for line in result.stdout.splitlines() if ".feature" in line and "harvest:" not in line]


def test_two_workers_report_what_one_process_reports(tmp_path):
    one = run_harvest([str(FEATURE), *reports(tmp_path, "one")], env=env_for(tmp_path, "a"))
    two = run_harvest([str(FEATURE), "-j", "2", *reports(tmp_path, "two")], env=env_for(tmp_path, "b"))
    assert one.returncode == two.returncode == 1, one.stdout + one.stderr + two.stdout + two.stderr
    assert summary(one) == summary(two) == "harvest: 3 passed, 2 failed, 0 skipped"
    assert progress(one) == progress(two)
    assert junit_cases(tmp_path / "one.xml") == junit_cases(tmp_path / "two.xml")
    assert json_scenarios(tmp_path / "one.json") == json_scenarios(tmp_path / "two.json")
    assert len(junit_cases(tmp_path / "two.xml")) == 5
    assert "failing on purpose" in (tmp_path / "two.html").read_text()


def test_failed_runs_exactly_the_last_runs_failures(tmp_path):
    env = env_for(tmp_path)
    first = run_harvest([str(FEATURE)], env=env)
    assert first.returncode == 1
    recorded = (tmp_path / "reports" / "failed.txt").read_text().split()
    assert recorded == [ALWAYS_FAILS, FAILS_ONCE]

    again = run_harvest(["--failed", "-v", "2"], env=env)
    assert summary(again) == "harvest: 1 passed, 1 failed, 0 skipped", again.stdout + again.stderr
    assert "A scenario that passes" not in again.stdout
    assert (tmp_path / "reports" / "failed.txt").read_text().split() == [ALWAYS_FAILS]

    (tmp_path / "reports" / "failed.txt").write_text("")
    nothing = run_harvest(["--failed"], env=env)
    assert nothing.returncode == 0
    assert nothing.stdout.strip().splitlines() == [
        f"harvest: the last run recorded no failures ({tmp_path / 'reports' / 'failed.txt'}): nothing to run"
    ]


def test_a_scenario_that_passes_on_a_retry_is_flaky_in_every_report(tmp_path):
    args = [str(FEATURE), "--retry", "2", "-j", "2", *reports(tmp_path, "retry")]
    result = run_harvest(args, env=env_for(tmp_path))
    assert result.returncode == 1  # the one that always fails still does, after 3 attempts
    assert summary(result) == "harvest: 4 passed (1 flaky), 1 failed, 0 skipped"

    cases = {c.get("name"): c for c in ET.parse(tmp_path / "retry.xml").getroot().iter("testcase")}
    flaky = {p.get("name"): p.get("value") for p in cases["A scenario that fails once"].iter("property")}
    assert flaky == {"flaky": "true", "attempts": "2"}
    assert not list(cases["A scenario that passes"].iter("property"))

    features = json.loads((tmp_path / "retry.json").read_text())
    elements = {e["name"]: e for f in features for e in f["elements"]}
    assert elements["A scenario that fails once"]["flaky"] is True
    assert elements["A scenario that fails once"]["attempts"] == 2
    assert "flaky" not in elements["A scenario that always fails"]
    assert "flaky: failed 1 time(s), passed on attempt 2 of 3" in (tmp_path / "retry.html").read_text()

    kept = tmp_path / "reports" / "Reruns"
    assert sorted(p.name for p in (kept / "A-scenario-that-always-fails").iterdir()) == [
        "attempt-1", "attempt-2", "attempt-3",
    ]  # fmt: skip
    assert sorted(p.name for p in (kept / "A-scenario-that-fails-once").iterdir()) == ["attempt-1"]
    assert (kept / "A-scenario-that-fails-once" / "attempt-1" / "responses.txt").exists()


def test_strict_flaky_fails_the_run(tmp_path):
    lenient = run_harvest([FAILS_ONCE, "--retry", "1"], env=env_for(tmp_path, "lenient"))
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    assert summary(lenient) == "harvest: 1 passed (1 flaky), 0 failed, 0 skipped"
    strict = run_harvest([FAILS_ONCE, "--retry", "1", "--strict-flaky"], env=env_for(tmp_path, "strict"))
    assert strict.returncode == 1
    assert "harvest: --strict-flaky: 1 scenario(s) passed only on a retry" in strict.stderr


def test_a_serial_scenario_runs_while_no_other_does(tmp_path):
    env = env_for(tmp_path)
    result = run_harvest([str(FIXTURE / "serial.feature"), "-j", "3"], env=env)
    assert summary(result) == "harvest: 4 passed, 0 failed, 0 skipped", result.stdout + result.stderr
    ran = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "marks").glob("*.json")}
    began, ended = ran.pop("One that runs alone")
    assert len(ran) == 3
    for name, (others_began, others_ended) in ran.items():
        assert others_ended <= began or others_began >= ended, f"{name!r} ran beside the serial one"
    overlapping = sum(1 for a in ran.values() for b in ran.values() if a < b and a[1] > b[0])
    assert overlapping, "the others should have run side by side on three workers"


def test_a_worker_that_dies_costs_its_scenario_only(tmp_path):
    env = env_for(tmp_path)
    result = run_harvest([str(FIXTURE / "dying.feature"), "-j", "2", *reports(tmp_path, "dying")], env=env)
    assert result.returncode == 1
    assert summary(result) == "harvest: 3 passed, 1 failed, 0 skipped", result.stdout + result.stderr
    cases = ET.parse(tmp_path / "dying.xml").getroot().iter("testcase")
    failed = [case for case in cases if case.get("status") != "passed"]
    assert [case.get("name") for case in failed] == ["The one whose worker dies"]
    said = ET.tostring(failed[0], "unicode")
    assert re.search(r"worker \d stopped \(exit status -9\) while running it", said), said
    gone(env["HARVEST_LEAK_MARK"])


FAILING_TEARDOWN = """
from terrain import before_all as suite_before_all


def before_all(context):
    suite_before_all(context)

    def fails():
        raise RuntimeError("a teardown that fails on purpose")

    context.add_cleanup(fails)
"""


def test_a_worker_whose_teardown_fails_fails_the_run(features, tmp_path):
    environment = features.folder / "environment.py"
    environment.write_text(environment.read_text() + FAILING_TEARDOWN)
    path = features("two.feature", "Feature: Two\n  Scenario: a\n    Given a step that passes\n"
                                   "  Scenario: b\n    Given a step that passes\n")  # fmt: skip
    result = run_harvest([str(path), "-j", "2"], env=harvest_env(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert summary(result) == "harvest: 2 passed, 0 failed, 0 skipped"
    said = "harvest: a worker's teardown failed: RuntimeError: a teardown that fails on purpose"
    assert result.stderr.count(said) == 2, result.stderr


def shard_list(*args):
    result = run_harvest(["--dry-run", *args])
    assert result.returncode == 0, result.stdout + result.stderr
    return [line.split()[0] for line in result.stdout.splitlines() if re.match(r"\S+\.feature:\d+ ", line)]


def test_shards_are_disjoint_and_cover_every_scenario():
    every = shard_list("--shard", "1/1")
    assert len(every) > 100
    for count in (2, 3):
        shards = [shard_list("--shard", f"{i}/{count}") for i in range(1, count + 1)]
        assert sum(len(s) for s in shards) == len(every)
        assert sorted(loc for s in shards for loc in s) == sorted(every)
        assert max(len(s) for s in shards) - min(len(s) for s in shards) <= 1
    assert shard_list("--shard", "1/2") == shard_list("--shard", "1/2")  # the same on every machine


def test_bad_scale_options_say_so_in_one_line():
    usage = " (see harvest --help)"
    for args, message in [
        (["-j", "0"], "argument -j/--processes: '0': a whole number of workers from 1, or auto" + usage),
        (["-j", "6", str(FEATURE)], "-j 6: only 5 scenario(s) selected; use at most -j 5"),
        (["--shard", "3/2"], "argument --shard: 3/2: I must be from 1 to N, got 3 of 2" + usage),
        (["--shard", "x"], "argument --shard: takes I/N, such as 1/2; got 'x'" + usage),
        (["--retry", "-1"], "argument --retry: '-1': a whole number of retries from 0" + usage),
    ]:
        result = run_harvest(args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stderr.strip().splitlines() == [f"harvest: {message}"], args
