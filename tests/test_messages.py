"""`harvest --messages`: every envelope reads back into the official Cucumber Messages types, and
the stream is complete and consistent (every id refers to something sent before it, every test
case started is finished, every step has a result), in one process and with -j 2, for a run with
a failing browser scenario whose screenshot is attached."""

import json
from pathlib import Path

import cucumber_messages as cm
import pytest

from tests.conftest import harvest_env, run_harvest
from tests.test_browser import FAILING_IN_BROWSER

PASSING = """\
Feature: Plain
  Background:
    Given a step that passes

  Scenario: passes
    Given a step that passes

  Scenario Outline: fails for <row>
    Then a step that fails
    And a step that fails

    Examples:
      | row    |
      | first  |
      | second |

  Scenario: has a step with no definition
    Given a step nobody defined
"""


def read(path):
    envelopes = []
    for line in Path(path).read_text().splitlines():
        envelope = cm.message_converter.from_dict(json.loads(line), cm.Envelope)
        assert isinstance(envelope, cm.Envelope)
        kinds = [name for name, value in vars(envelope).items() if value is not None]
        assert len(kinds) == 1, kinds
        envelopes.append((kinds[0], getattr(envelope, kinds[0])))
    return envelopes


def check(envelopes):
    """The stream's rules; returns each pickle's name with its steps' statuses, and the attachments."""
    pickles, definitions, cases, started, finished, results, attachments = {}, set(), {}, {}, set(), {}, []
    run = None
    for kind, message in envelopes:
        if kind == "pickle":
            pickles[message.id] = message
        elif kind == "step_definition":
            definitions.add(message.id)
        elif kind == "test_run_started":
            run = message.id
        elif kind == "test_case":
            assert message.pickle_id in pickles
            steps = {s.pickle_step_id for s in message.test_steps}
            assert steps <= {s.id for s in pickles[message.pickle_id].steps}
            assert all(set(s.step_definition_ids) <= definitions for s in message.test_steps)
            cases[message.id] = message
        elif kind == "test_case_started":
            assert message.test_case_id in cases
            started[message.id] = cases[message.test_case_id]
        elif kind in ("test_step_started", "test_step_finished"):
            assert message.test_case_started_id in started and message.test_case_started_id not in finished
            assert message.test_step_id in {s.id for s in started[message.test_case_started_id].test_steps}
            if kind == "test_step_finished":
                results[message.test_step_id] = message.test_step_result.status.value
        elif kind == "attachment":
            assert message.test_case_started_id in started
            attachments.append((started[message.test_case_started_id].pickle_id, message.media_type))
        elif kind == "test_case_finished":
            finished.add(message.test_case_started_id)
        elif kind == "test_run_finished":
            assert message.test_run_started_id == run
    assert envelopes[0][0] == "meta" and envelopes[-1][0] == "test_run_finished"
    assert set(started) == finished, "a test case started and never finished"
    outcome = {}
    for case in started.values():
        assert all(step.id in results for step in case.test_steps), "a step without a result"
        outcome[pickles[case.pickle_id].name] = [results[step.id] for step in case.test_steps]
    return outcome, [(pickles[p].name, media) for p, media in attachments]


@pytest.mark.parametrize("jobs", [[], ["-j", "2"]], ids=["one process", "-j 2"])
def test_the_stream_reads_back_complete_and_consistent(features, tmp_path, jobs):
    features("browse.feature", FAILING_IN_BROWSER)
    features("plain.feature", PASSING)
    stream = tmp_path / "messages.ndjson"
    result = run_harvest([*jobs, "--messages", str(stream), str(features.folder)], env=harvest_env(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    outcome, attachments = check(read(stream))
    assert outcome == {
        "fails in the browser": ["PASSED", "FAILED"],
        "passes": ["PASSED", "PASSED"],
        "fails for first": ["PASSED", "FAILED", "SKIPPED"],
        "fails for second": ["PASSED", "FAILED", "SKIPPED"],
        "has a step with no definition": ["PASSED", "UNDEFINED"],
    }
    assert attachments == [("fails in the browser", "image/png")]
