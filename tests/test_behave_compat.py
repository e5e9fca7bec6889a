"""harvest's use of behave's internals (harvest/behave_compat.py): the one version it runs on, and
the formatter calls of a scenario replayed from a worker (-j, --retry) against those of a run
in one process, scenario by scenario: passed, failed, skipped, undefined, a failing cleanup."""

import json

import behave

from harvest import behave_compat, cli
from tests.conftest import harvest_env, run_harvest

RECORDER = '''
import json, os
from behave.formatter.base import Formatter


class Recorder(Formatter):
    """Every call behave makes to a formatter, a JSON line each, in the file RECORD_TO names."""

    name = "record"

    def write(self, *call):
        with open(os.environ["RECORD_TO"], "a") as out:
            out.write(json.dumps(call) + "\\n")

    def feature(self, feature):
        self.current = feature
        self.write("feature", feature.name)

    def background(self, background):
        self.write("background", background.name)

    def scenario(self, scenario):
        self.write("scenario", scenario.name)

    def step(self, step):
        self.write("step", step.keyword, step.name)

    def match(self, match):
        self.write("match", str(getattr(match, "location", None)))

    def result(self, step):
        self.write("result", step.name, step.status.name, bool(step.error_message))

    def eof(self):
        self.write("eof", [(s.name, s.status.name) for s in self.current.walk_scenarios()])
'''

STEPS = """
from behave import given


@given("the scenario skips itself")
def skips(context):
    context.scenario.skip("on purpose")


@given("a cleanup that fails")
def cleanup_fails(context):
    def fails():
        raise RuntimeError("a cleanup that fails")

    context.add_cleanup(fails)
"""

FEATURE = """
Feature: Formatter calls

  Scenario: passes
    Given a step that passes

  Scenario: fails
    Given a step that passes
    Then a step that fails
    And a step that passes

  Scenario: is skipped
    Given the scenario skips itself
    Then a step that passes

  Scenario: has an undefined step
    Given a step that passes
    And a step nobody defined

  Scenario: leaves a failing cleanup
    Given a cleanup that fails
    And a step that passes
"""


def calls(features, tmp_path, name, *flags):
    record = tmp_path / f"{name}.jsonl"
    env = harvest_env(tmp_path)
    env["RECORD_TO"] = str(record)
    env["PYTHONPATH"] = f"{features.folder}:{env.get('PYTHONPATH', '')}"
    result = run_harvest([str(features.folder), "--format", "recorder:Recorder", *flags], env=env)
    assert result.returncode == 1, result.stdout + result.stderr  # a scenario failed, a step undefined
    return [json.loads(line) for line in record.read_text().splitlines()]


def test_a_replayed_scenario_makes_the_formatter_calls_of_a_run(features, tmp_path):
    (features.folder / "recorder.py").write_text(RECORDER)
    (features.folder / "steps" / "compat.py").write_text(STEPS)
    features("calls.feature", FEATURE)
    alone = calls(features, tmp_path, "alone")
    statuses = [
        ["passes", "passed"], ["fails", "failed"], ["is skipped", "skipped"],
        ["has an undefined step", "error"], ["leaves a failing cleanup", "cleanup_error"],
    ]  # fmt: skip
    assert ["eof", statuses] in alone
    assert calls(features, tmp_path, "workers", "-j", "2") == alone
    assert calls(features, tmp_path, "retried", "--retry", "1") == alone


def test_another_behave_is_refused_in_one_line(monkeypatch, capsys):
    assert behave_compat.check(behave_compat.BEHAVE_VERSION) is None
    monkeypatch.setattr(behave, "__version__", "1.4.0")
    assert cli.main(["--list-tags"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "1.3.3" in error and "1.4.0" in error, error
