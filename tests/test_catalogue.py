"""The step catalogue (`harvest --steps`) and its usage (`--steps-usage`): what a writer of a new
scenario reads, and what `make test` fails on (a definition no scenario uses, a scenario step no
definition matches), one line per offender, file:line first."""

import textwrap

from tests.conftest import run_harvest

STEPS = '''
from behave import given, then


@given("a shelf of {count:d} books")
def shelf(context, count):
    """A shelf, and how many books stand on it."""


@then("nobody reads this")
def unused(context):
    pass
'''


def project(tmp_path, feature):
    (tmp_path / "features" / "steps").mkdir(parents=True)
    (tmp_path / "features" / "steps" / "shelves.py").write_text(STEPS)
    (tmp_path / "features" / "shelves.feature").write_text(textwrap.dedent(feature))
    return tmp_path


def test_the_catalogue_lists_every_sentence_by_module_with_its_doc_and_place(tmp_path):
    folder = project(tmp_path, """\
        Feature: Shelves
          Scenario: one
            Given a shelf of 3 books
    """)  # fmt: skip
    result = run_harvest(["--steps"], cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "shelves (features/steps/shelves.py)",
        "  Given a shelf of {count:d} books  # features/steps/shelves.py:5",
        "      A shelf, and how many books stand on it.",
        "  Then nobody reads this  # features/steps/shelves.py:10",
        "",
        "harvest: 2 step definitions in 1 modules",
    ]


def test_usage_counts_each_step_and_fails_on_the_unused_and_the_undefined(tmp_path):
    folder = project(tmp_path, """\
        Feature: Shelves
          Scenario Outline: a shelf
            Given a shelf of <n> books
            Examples:
              | n |
              | 1 |
              | 2 |
          Scenario: a missing step
            Given a ladder
    """)  # fmt: skip
    result = run_harvest(["--steps-usage"], cwd=folder)
    assert result.returncode == 1
    assert "  Given a shelf of {count:d} books  # features/steps/shelves.py:5  [2 uses]" in result.stdout
    assert result.stderr.splitlines() == [
        "features/steps/shelves.py:10: step definition used by no scenario: Then nobody reads this",
        "features/shelves.feature:9: step with no definition: Given a ladder",
    ]
