"""Queue mode with real processes: a coordinator (`harvest --queue`) and workers (`harvest worker`),
each in its own process group as machines of their own would be, on this machine's Redis."""

import json
import os
import signal
import subprocess
import textwrap
import time
import uuid

import pytest

from harvest.queue import QueueError, connect
from tests.conftest import HARVEST, ROOT, harvest_env, processes_marked

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
BROKER = "redis://127.0.0.1:6379/3"

STEPS = """
import os, time
from pathlib import Path
from behave import given, then


@given("a step that passes")
def passes(context):
    pass


@given("the worker notes its name")
def notes_name(context):
    time.sleep(0.3)
    folder = Path(os.environ["QUEUE_TEST_DIR"])
    (folder / f"{context.scenario.name}.worker").write_text(context.config.userdata["harvest.worker"])


@given("the first worker to get here waits to be killed")
def waits_once(context):
    marker = Path(os.environ["QUEUE_TEST_DIR"]) / "killed-here"
    if marker.exists():
        return
    marker.write_text(str(os.getpid()))
    time.sleep(120)
"""


@pytest.fixture(scope="module", autouse=True)
def broker():
    try:
        connect(BROKER)
    except QueueError as error:
        pytest.skip(str(error))


def project(folder, feature):
    (folder / "features" / "steps").mkdir(parents=True)
    (folder / "features" / "steps" / "steps.py").write_text(STEPS)
    (folder / "features" / "queue.feature").write_text(textwrap.dedent(feature))
    return folder


def start(args, cwd, env, log):
    """A harvest process in its own session (a machine of its own), its output in log."""
    out = open(log, "w")  # noqa: SIM115  (the process writes it until it ends)
    return subprocess.Popen([*HARVEST, *args], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip


def coordinator(cwd, env, tmp_path, run, *args):
    reports = ["--reports", str(tmp_path / "reports")]
    return start(["--queue", BROKER, "--run", run, *reports, *args], cwd, env, tmp_path / "coordinator.log")


def worker(cwd, env, tmp_path, run, name):
    return start(["worker", "--queue", BROKER, "--run", run], cwd, env, tmp_path / f"{name}.log")


def finish(process, timeout=120):
    try:
        return process.wait(timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def summary(tmp_path):
    lines = (tmp_path / "coordinator.log").read_text().strip().splitlines()
    return next(line for line in reversed(lines) if line.startswith("harvest: ") and " passed" in line)


def run_id():
    return uuid.uuid4().hex[:8]


@pytest.mark.parametrize("retry", [[], ["--retry", "1"]], ids=["once", "retry"])
def test_two_workers_give_the_counts_of_one_process(tmp_path, retry):
    env, run = harvest_env(tmp_path), run_id()
    main = coordinator(MINIMAL, env, tmp_path, run, *retry)
    workers = [worker(MINIMAL, env, tmp_path, run, name) for name in ("w1", "w2")]
    assert finish(main) == 1, (tmp_path / "coordinator.log").read_text()
    assert [finish(w, 30) for w in workers] == [0, 0]
    expected = "4 passed, 2 failed" if not retry else "5 passed (1 flaky), 1 failed"
    assert summary(tmp_path) == f"harvest: {expected}, 0 skipped"
    assert processes_marked(env["HARVEST_LEAK_MARK"]) == []


def test_a_worker_killed_mid_scenario_loses_it_to_another_which_runs_it_once(tmp_path):
    folder = project(tmp_path / "p", """\
        Feature: Queue
          Scenario: killed once
            Given the first worker to get here waits to be killed
          Scenario: plain
            Given a step that passes
    """)  # fmt: skip
    env, run = harvest_env(tmp_path), run_id()
    env["QUEUE_TEST_DIR"] = str(tmp_path)
    report = tmp_path / "report.json"
    main = coordinator(folder, env, tmp_path, run, "--with-jsonreport", "--jsonreport-file", str(report))
    first = worker(folder, env, tmp_path, run, "w1")
    marker = tmp_path / "killed-here"
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    second = worker(folder, env, tmp_path, run, "w2")
    os.kill(int(marker.read_text()), signal.SIGKILL)
    assert finish(main) == 0, (tmp_path / "coordinator.log").read_text()
    finish(first, 5)
    assert finish(second, 30) == 0
    log = (tmp_path / "coordinator.log").read_text()
    assert "was lost while running features/queue.feature:2: it runs again" in log
    assert summary(tmp_path) == "harvest: 2 passed, 0 failed, 0 skipped"
    names = [e["name"] for feature in json.loads(report.read_text()) for e in feature["elements"]]
    assert names == ["killed once", "plain"]


def test_a_worker_that_joins_late_takes_work(tmp_path):
    scenarios = "".join(f"  Scenario: s{n}\n    Given the worker notes its name\n" for n in range(12))
    folder = project(tmp_path / "p", "Feature: Queue\n" + scenarios)
    env, run = harvest_env(tmp_path), run_id()
    env["QUEUE_TEST_DIR"] = str(tmp_path)
    main = coordinator(folder, env, tmp_path, run)
    early = worker(folder, env, tmp_path, run, "early")
    while not list(tmp_path.glob("*.worker")):
        time.sleep(0.1)
    late = worker(folder, env, tmp_path, run, "late")
    assert finish(main) == 0, (tmp_path / "coordinator.log").read_text()
    assert [finish(early, 30), finish(late, 30)] == [0, 0]
    names = {path.read_text() for path in tmp_path.glob("*.worker")}
    assert len(names) == 2, names


def test_a_worker_on_another_commit_is_refused_naming_both(tmp_path):
    folder = project(tmp_path / "p", "Feature: Q\n  Scenario: a\n    Given a step that passes\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=folder, check=True)
    subprocess.run([*git, "add", "."], cwd=folder, check=True)
    subprocess.run([*git, "commit", "-qm", "one"], cwd=folder, check=True)
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(folder), str(other)], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "two"], cwd=other, check=True)
    ours, theirs = (
        subprocess.run(["git", "rev-parse", "HEAD"], cwd=f, capture_output=True, text=True).stdout.strip()
        for f in (folder, other)
    )
    env, run = harvest_env(tmp_path), run_id()
    main = coordinator(folder, env, tmp_path, run)
    refused = subprocess.run([*HARVEST, "worker", "--queue", BROKER, "--run", run], cwd=other, env=env,
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"harvest worker: run {run} is at commit {ours}, this checkout at {theirs}: check out {ours}"
    )
    good = worker(folder, env, tmp_path, run, "w1")
    assert finish(main) == 0
    assert finish(good, 30) == 0


def test_two_runs_on_one_broker_never_exchange_scenarios(tmp_path):
    env = harvest_env(tmp_path)
    env["QUEUE_TEST_DIR"] = str(tmp_path)
    runs = {}
    for name in ("crimson", "azure"):
        scenarios = "".join(
            f"  Scenario: {name}-{n}\n    Given the worker notes its name\n" for n in range(4)
        )
        folder = project(tmp_path / name, f"Feature: {name}\n{scenarios}")
        logs = tmp_path / name
        main = start(["--queue", BROKER, "--run", run_id(), "--reports", str(logs / "reports")], folder, env,
                     logs / "coordinator.log")  # fmt: skip
        time.sleep(0.5)  # the run on the broker before its worker looks for the newest
        runs[name] = (
            main,
            worker(folder, env, logs, connect(BROKER).zrevrange("harvest:runs", 0, 0)[0], "w"),
        )
    for name, (main, one) in runs.items():
        assert finish(main) == 0, (tmp_path / name / "coordinator.log").read_text()
        assert finish(one, 30) == 0
        assert "harvest: 4 passed, 0 failed, 0 skipped" in (tmp_path / name / "coordinator.log").read_text()
        ran_by = {path.read_text() for path in tmp_path.glob(f"{name}-*.worker")}
        assert ran_by == {f"{os.uname().nodename}:{one.pid}"}


def test_no_broker_is_one_line_for_the_coordinator_and_the_worker(tmp_path):
    nowhere = "redis://127.0.0.1:1/0"
    for args in (["--queue", nowhere], ["worker", "--queue", nowhere]):
        result = subprocess.run([*HARVEST, *args], cwd=MINIMAL, capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and f"--queue {nowhere}: no Redis answers there" in lines[0], lines


def test_the_coordinator_killed_stops_its_workers_and_their_stacks(features, tmp_path):
    """The suite's own lifecycle under a worker: a stack and a database each; kill -9 the
    coordinator and every worker stops within seconds, leaving nothing behind."""
    path = features("wait.feature", """\
        Feature: Waiting
          Scenario: waits
            Given the suite waits to be stopped
    """)  # fmt: skip
    env, run = harvest_env(tmp_path), run_id()
    before = set((ROOT / "var").glob("harvest-*.sqlite3*"))
    args = ["--queue", BROKER, "--run", run, "--reports", str(tmp_path / "reports"), str(path)]
    main = start(args, ROOT, env, tmp_path / "coordinator.log")
    workers = [worker(ROOT, env, tmp_path, run, name) for name in ("w1", "w2")]
    deadline = time.monotonic() + 90
    while not (tmp_path / "ready").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (tmp_path / "ready").exists(), (tmp_path / "w1.log").read_text()
    os.killpg(main.pid, signal.SIGKILL)
    main.wait()
    began = time.monotonic()
    codes = [finish(w, 30) for w in workers]
    assert time.monotonic() - began < 20, codes
    assert "the coordinator of run" in (tmp_path / "w1.log").read_text() + (tmp_path / "w2.log").read_text()
    time.sleep(1)
    assert processes_marked(env["HARVEST_LEAK_MARK"]) == []
    assert set((ROOT / "var").glob("harvest-*.sqlite3*")) <= before
