"""harvest's answers to bad input: one line, exit 2, nothing started."""

from tests.conftest import harvest_env, processes_marked, run_harvest


def test_unknown_option_is_one_line_and_exit_2(tmp_path):
    result = run_harvest(["--no-such-option"])
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unrecognized arguments: --no-such-option" in result.stderr


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

    result = subprocess.run(
        [sys.executable, str(ROOT / "sut" / "manage.py"), "harvest", "--no-such-option"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "unrecognized arguments: --no-such-option" in result.stderr
