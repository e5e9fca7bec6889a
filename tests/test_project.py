"""harvest knows no suite: run in another behave project's folder (tests/fixtures/minimal, no
stack, no site), it runs that project's features with its default tags, the same with and without
-j, and --retry gives each attempt to the project's own evidence hook."""

import pytest

from harvest.project import Project, ProjectError
from tests.conftest import ROOT, run_harvest

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"


def harvest_here(tmp_path, *args, cwd=MINIMAL):
    return run_harvest(["--reports", str(tmp_path / "reports"), *args], cwd=cwd, timeout=60)


def summary(result):
    return result.stdout.strip().splitlines()[-1]


def test_the_project_here_is_read_as_behave_reads_it():
    project = Project.here(MINIMAL)
    assert project.paths == (MINIMAL / "features",)
    assert project.default_tags == "(not @wip)"
    assert project.hooks_path == MINIMAL / "hooks.py"


def test_no_path_runs_the_features_here_with_the_projects_default_tags(tmp_path):
    result = harvest_here(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert summary(result) == "harvest: 4 passed, 2 failed, 0 skipped"
    assert "left out by the project's default tags" not in result.stdout


def test_a_tag_given_replaces_the_default_tags(tmp_path):
    result = harvest_here(tmp_path, "-t", "wip")
    assert summary(result) == "harvest: 0 passed, 1 failed, 0 skipped"


def test_workers_give_the_counts_of_one_process(tmp_path):
    result = harvest_here(tmp_path, "-j", "2")
    assert result.returncode == 1, result.stdout + result.stderr
    assert summary(result) == "harvest: 4 passed, 2 failed, 0 skipped"


def test_retries_pass_the_attempt_and_keep_each_attempts_evidence(tmp_path):
    result = harvest_here(tmp_path, "-j", "2", "--retry", "1")
    assert summary(result) == "harvest: 5 passed (1 flaky), 1 failed, 0 skipped"
    reports = tmp_path / "reports"
    assert (reports / "A-scenario-that-fails" / "attempt-2" / "note.txt").exists()
    assert (reports / "A-scenario-that-fails-on-its-first-attempt" / "attempt-1" / "note.txt").exists()
    assert not (reports / "A-scenario-that-fails-on-its-first-attempt" / "attempt-2").exists()
    assert (reports / "failed.txt").read_text().split() == ["features/shelves.feature:7"]


def test_a_hook_module_that_is_not_there_is_one_line(tmp_path):
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "a.feature").write_text("Feature: A\n  Scenario: a\n    Given nothing\n")
    (tmp_path / "pyproject.toml").write_text('[tool.harvest]\nhooks = "nowhere.py"\n')
    result = harvest_here(tmp_path, cwd=tmp_path)
    assert result.returncode == 2
    missing = tmp_path / "nowhere.py"
    assert result.stderr.strip() == (
        f"harvest: {tmp_path / 'pyproject.toml'}: [tool.harvest] hooks: no such file: {missing}"
    )


def test_a_project_without_hooks_runs_workers_too(tmp_path):
    steps = tmp_path / "features" / "steps"
    steps.mkdir(parents=True)
    (steps / "s.py").write_text(
        "from behave import given\n\n@given('nothing')\ndef nothing(context):\n    pass\n"
    )
    feature = "Feature: A\n  Scenario: a\n    Given nothing\n  Scenario: b\n    Given nothing\n"
    (tmp_path / "features" / "a.feature").write_text(feature)
    assert (
        summary(harvest_here(tmp_path, "-j", "2", cwd=tmp_path)) == "harvest: 2 passed, 0 failed, 0 skipped"
    )
    with pytest.raises(AttributeError):
        Project.here(tmp_path).hooks.workers  # noqa: B018  (no hook module: nothing is asked)


def test_a_configuration_that_does_not_parse_is_one_line(tmp_path):
    (tmp_path / "features").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.harvest\n")
    with pytest.raises(ProjectError):
        Project.here(tmp_path)
    result = harvest_here(tmp_path, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"harvest: {tmp_path}: behave's configuration does not parse: ")
    assert len(result.stderr.strip().splitlines()) == 1
