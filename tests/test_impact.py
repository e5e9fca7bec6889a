"""`harvest --record-impact` and `--changed`: a project of its own (git, two step modules, no
stack) recorded in one process and with -j 2; then each kind of change chooses what it can break,
saying why, and never less."""

import subprocess
import textwrap

import pytest

from harvest.impact import EVERYONE, ImpactMap, choose, statements
from tests.conftest import run_harvest

STEPS = {
    "features/steps/shelves.py": """
from behave import given

from shelving import count_books, shelve


@given("a shelf")
def a_shelf(context):
    context.shelf = shelve()


@given("the books are counted")
def counted(context):
    assert count_books(shelve()) == 3
""",
    "features/steps/shelving.py": """
def shelve():
    return ["a", "b", "c"]


def count_books(shelf):
    total = 0
    for _ in shelf:
        total += 1
    return total
""",
    "features/shelves.feature": """
Feature: Shelves
  Scenario: a shelf
    Given a shelf

  Scenario: counting
    Given the books are counted
""",
    "pyproject.toml": '[tool.harvest.impact]\neverything = ["requirements.txt"]\nnothing = ["*.md"]\n',
    "README.md": "A project.\n",
    "requirements.txt": "behave\n",
    ".gitignore": "out/\nreports/\n__pycache__/\n",
}


@pytest.fixture
def project(tmp_path):
    for name, text in STEPS.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "one"], cwd=tmp_path, check=True)
    return tmp_path


def edit(path, old, new):
    path.write_text(path.read_text().replace(old, new))


def harvest(project, *args):
    return run_harvest([*args, "--reports", str(project / "out")], cwd=project, timeout=120)


@pytest.mark.parametrize("jobs", [[], ["-j", "2"]], ids=["one process", "-j 2"])
def test_a_change_chooses_the_scenarios_that_ran_it(project, jobs):
    recorded = harvest(project, "--record-impact", *jobs)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert "harvest: the impact map of 2 scenarios" in recorded.stdout
    edit(project / "features/steps/shelving.py", "total += 1", "total += 2")
    chosen = harvest(project, "--changed")
    assert chosen.returncode == 1  # the change breaks the count
    changed = "features/steps/shelving.py:8 changed (a line these scenarios ran)"
    why = f"harvest: features/shelves.feature:5: {changed}"
    assert why in chosen.stdout
    assert "features/shelves.feature:2" not in chosen.stdout
    assert "harvest: 0 passed, 1 failed, 0 skipped" in chosen.stdout


def test_docs_choose_nothing_a_declared_file_everything_a_feature_itself(project):
    assert harvest(project, "--record-impact").returncode == 0
    edit(project / "README.md", "A project.", "A project of shelves.")
    quiet = harvest(project, "--changed")
    assert quiet.returncode == 0
    assert quiet.stdout.strip() == "harvest: --changed HEAD: no scenario can break: nothing to run"
    edit(project / "requirements.txt", "behave", "behave==1.3.3")
    assert "harvest: 2 passed, 0 failed" in harvest(project, "--changed").stdout
    subprocess.run(["git", "checkout", "requirements.txt"], cwd=project, check=True)
    edit(project / "features/shelves.feature", "Given a shelf\n", "Given a shelf\n    And a shelf\n")
    assert "harvest: 2 passed, 0 failed" in harvest(project, "--changed").stdout


def test_no_map_is_one_line(project):
    result = harvest(project, "--changed")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "harvest: --changed: no impact map at reports/impact.json: record one with harvest --record-impact"
    )


def test_a_line_inside_a_statement_is_the_statement_and_a_header_not_its_body():
    source = "def f(\n    a=1,\n):\n    x = [\n        1,\n    ]\n    return x\n"
    assert statements(source, {5}) == {4, 5, 6}
    assert statements(source, {2}) == {1, 2, 3}


def test_lines_run_outside_any_scenario_choose_them_all(tmp_path):
    known = ImpactMap("c", ["a.feature:2", "a.feature:5"], {"m.py": {EVERYONE: {1}, "0": {3}}})
    assert set(choose(known, {"m.py": {3}}, set(), lambda n: [], tmp_path)) == {"a.feature:2"}
    assert set(choose(known, {"m.py": {1}}, set(), lambda n: [], tmp_path)) == {"a.feature:2", "a.feature:5"}
    unknown = choose(known, {"new.py": {1}}, set(), lambda n: [], tmp_path)
    assert set(unknown) == {"a.feature:2", "a.feature:5"}
    assert "a file the impact map does not know" in unknown["a.feature:2"]
