"""harvest's answers to bad input: one line, exit 2, nothing started."""

import os

from tests.conftest import harvest_env, processes_marked, run_harvest


def test_unknown_option_is_one_line_and_exit_2(tmp_path):
    result = run_harvest(["--no-such-option"])
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unrecognized arguments: --no-such-option" in result.stderr


def test_scale_app_without_compose_or_beyond_two_is_one_line_and_exit_2():
    alone = run_harvest(["--scale-app", "2"])
    assert (alone.returncode, alone.stderr) == (2, "harvest: --scale-app needs --stack compose\n")
    three = run_harvest(["--stack", "compose", "--scale-app", "3"])
    assert three.returncode == 2 and "--scale-app: invalid choice: 3" in three.stderr
    assert three.stderr.strip().count("\n") == 0


def test_memcached_nodes_out_of_range_is_one_line_and_exit_2():
    for value in ("0", "9", "x"):
        result = run_harvest(["--memcached-nodes", value])
        assert result.returncode == 2
        assert result.stderr.strip().count("\n") == 0
        assert f"{value!r}: a whole number of memcached servers, 1 to 8" in result.stderr


def test_missing_path(tmp_path):
    result = run_harvest([str(tmp_path / "nowhere.feature")])
    assert result.returncode == 2
    assert "no such feature file or folder" in result.stderr


def test_feature_that_does_not_parse_names_file_and_line(features, tmp_path):
    path = features(
        "broken.feature", "Feature: Broken\n  Scenario: one\n    Given a step that passes\n  Oops\n"
    )
    result = run_harvest([str(path)])
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{path}:4:" in result.stderr


def test_tag_that_matches_nothing_starts_nothing(features, tmp_path):
    path = features("one.feature", "Feature: One\n  @cache\n  Scenario: one\n    Given a step that passes\n")
    env = harvest_env(tmp_path)
    result = run_harvest([str(path), "--tag", "nosuchtag"], env=env)
    assert result.returncode == 2
    assert "tag @nosuchtag is on no scenario" in result.stderr
    assert "stack" not in result.stdout
    assert processes_marked(env["HARVEST_LEAK_MARK"]) == []


def test_bad_verbosity():
    result = run_harvest(["-v", "7"])
    assert result.returncode == 2
    assert "verbosity" in result.stderr


def test_manage_py_harvest_is_the_same_command():
    import subprocess
    import sys

    from tests.conftest import ROOT

    # The site's settings know nothing of harvest: a developer adds it as an extra app.
    env = {**os.environ, "EXTRA_APPS": "harvest"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "sut" / "manage.py"), "harvest", "--no-such-option"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 2
    assert "unrecognized arguments: --no-such-option" in result.stderr


def test_undefined_step_prints_the_snippet_and_exits_1(features, tmp_path):
    path = features("undefined.feature", "Feature: U\n  Scenario: u\n    Given a step nobody wrote\n")
    env = harvest_env(tmp_path)
    result = run_harvest([str(path)], env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "@given(u'a step nobody wrote')" in result.stderr
    from tests.test_no_leaks import gone

    gone(env["HARVEST_LEAK_MARK"])


def test_missing_stack_program_is_one_line_and_exit_2(features, tmp_path):
    path = features("one.feature", "Feature: One\n  Scenario: one\n    Given a step that passes\n")
    env = harvest_env(tmp_path)
    env["STACK_NGINX"] = "/nonexistent/nginx"
    result = run_harvest([str(path)], env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "harvest: the stack could not start: STACK_NGINX=/nonexistent/nginx is not a program" in result.stderr
    )
    from tests.test_no_leaks import gone

    gone(env["HARVEST_LEAK_MARK"])


def test_taken_port_is_said_and_another_used(features, tmp_path):
    import socket

    path = features("one.feature", "Feature: One\n  Scenario: one\n    Given a step that passes\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_harvest([str(path), "-P", str(port)], env=harvest_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"port {port} is taken: nginx listens on" in result.stderr


def test_ambiguous_step_definitions_are_one_line_and_exit_2(features, tmp_path):
    path = features("one.feature", "Feature: One\n  Scenario: one\n    Given a step that passes\n")
    (features.folder / "steps" / "twice.py").write_text(
        "from behave import given\n\n@given('a step that passes')\ndef again(context):\n    pass\n"
    )
    result = run_harvest([str(path)], env=harvest_env(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "harvest: two step definitions match the same steps" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_a_cleanup_that_fails_is_reported_and_the_run_goes_on(features, tmp_path):
    (features.folder / "steps" / "cleanup.py").write_text(
        "from behave import given\n\n"
        "def fail():\n    raise RuntimeError('the stack would not heal')\n\n"
        "@given('a cleanup that fails')\n"
        "def cleanup_fails(context):\n    context.add_cleanup(fail)\n"
    )
    path = features(
        "cleanup.feature",
        "Feature: Cleanup\n  Scenario: first\n    Given a cleanup that fails\n"
        "  Scenario: second\n    Given a step that passes\n",
    )
    result = run_harvest([str(path)], env=harvest_env(tmp_path))
    assert "KeyError" not in result.stdout + result.stderr
    assert "\nC.\n" in result.stdout  # the progress line goes on past the failed cleanup
    assert "harvest: 1 passed, 1 failed" in result.stdout
    assert result.returncode == 1
