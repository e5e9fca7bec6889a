"""`harvest --messages FILE`: the run as Cucumber Messages, one NDJSON envelope a line, built with
the official `cucumber-messages` types; sources, Gherkin documents and pickles (with their ids)
come from Cucumber's own parser, `gherkin-official`.

A behave formatter, so that -j and --retry, which replay each scenario's formatter calls, write
the same stream as a single process. The order keeps every id sent before it is referred to:
meta, the step definitions and testRunStarted at the first feature; each feature's source,
gherkinDocument and pickles as it starts; a testCase as its scenario starts, then
testCaseStarted, each step's testStepStarted and testStepFinished (a step that did not run is
reported skipped), attachments (screenshots) and testCaseFinished; testRunFinished at the end.
"""

import base64
import importlib.metadata
import json
import platform
import time
from pathlib import Path

import cucumber_messages as cm
from behave.formatter.base import Formatter
from gherkin.stream.gherkin_events import GherkinEvents

from harvest.outcomes import location_of

STATUS = {
    "passed": cm.TestStepResultStatus.passed,
    "failed": cm.TestStepResultStatus.failed,
    "error": cm.TestStepResultStatus.failed,
    "hook_error": cm.TestStepResultStatus.failed,
    "cleanup_error": cm.TestStepResultStatus.failed,
    "skipped": cm.TestStepResultStatus.skipped,
    "untested": cm.TestStepResultStatus.skipped,
    "undefined": cm.TestStepResultStatus.undefined,
    "pending": cm.TestStepResultStatus.pending,
}


EXPRESSION = cm.StepDefinitionPatternType.cucumber_expression  # behave's {name:Type}, the nearest kind


def _now():
    seconds = time.time()
    return cm.Timestamp(seconds=int(seconds), nanos=int((seconds % 1) * 1e9))


def _duration(seconds):
    seconds = max(seconds or 0.0, 0.0)
    return cm.Duration(seconds=int(seconds), nanos=int((seconds % 1) * 1e9))


def _uri(filename):
    """A file's path relative to the project (the current directory), as a message names it."""
    return location_of(filename, 0).rpartition(":")[0]


def _lines_of(document):
    """Each scenario's and each example row's node id → its line (a pickle names them)."""
    lines = {}
    children = list(document["feature"].get("children", [])) if document.get("feature") else []
    while children:
        child = children.pop()
        if "rule" in child:
            children.extend(child["rule"].get("children", []))
        if "scenario" in child:
            scenario = child["scenario"]
            lines[scenario["id"]] = scenario["location"]["line"]
            for examples in scenario.get("examples", []):
                for row in examples.get("tableBody", []):
                    lines[row["id"]] = row["location"]["line"]
    return lines


class TestCase:
    """A scenario being reported: its test case, its steps' ids and which have a result."""

    def __init__(self, case, started_id, steps):
        self.case, self.started_id, self.steps = case, started_id, steps  # steps: (behave step, TestStep)
        self.reported = set()
        self.failed = False


class CucumberMessages(Formatter):
    name = "cucumber-messages"
    description = "Cucumber Messages (NDJSON)"

    def __init__(self, stream_opener, config):
        super().__init__(stream_opener, config)
        self.gherkin = GherkinEvents(
            GherkinEvents.Options(print_source=True, print_ast=True, print_pickles=True)
        )
        self.new_id = self.gherkin.id_generator.get_next_id
        self.run_id = None
        self.definitions = {}  # id(step matcher) → its StepDefinition id
        self.pickles = {}  # (uri, line) → pickle (as Gherkin gives it)
        self.current = None
        self.success = True

    def _send(self, **message):
        self.open()
        envelope = cm.Envelope(**message)
        self.stream.write(json.dumps(cm.message_converter.to_dict(envelope)) + "\n")

    def _start_run(self):
        from behave.step_registry import registry

        product = cm.Product
        self._send(meta=cm.Meta(
            protocol_version=importlib.metadata.version("cucumber-messages"),
            implementation=product("harvest", importlib.metadata.version("behave")),
            runtime=product("python", platform.python_version()),
            os=product(platform.system(), platform.release()),
            cpu=product(platform.machine()),
        ))  # fmt: skip
        for matchers in registry.steps.values():
            for matcher in matchers:
                found = matcher.location
                self.definitions[id(matcher)] = self.new_id()
                pattern = cm.StepDefinitionPattern(
                    matcher.pattern, cm.StepDefinitionPatternType.cucumber_expression
                )
                where = cm.SourceReference(uri=_uri(found.filename), location=cm.Location(found.line))
                self._send(step_definition=cm.StepDefinition(self.definitions[id(matcher)], pattern, where))
        self.run_id = self.new_id()
        self._send(test_run_started=cm.TestRunStarted(timestamp=_now(), id=self.run_id))

    def uri(self, uri):
        if self.run_id is None:
            self._start_run()
        relative = _uri(uri)
        source = {
            "source": {
                "uri": relative,
                "data": Path(uri).read_text(),
                "mediaType": "text/x.cucumber.gherkin+plain",
            }
        }
        lines = {}
        for event in self.gherkin.enum(source):
            if "source" in event:
                self._send(source=cm.message_converter.from_dict(event["source"], cm.Source))
            elif "gherkinDocument" in event:
                lines = _lines_of(event["gherkinDocument"])
                self._send(
                    gherkin_document=cm.message_converter.from_dict(
                        event["gherkinDocument"], cm.GherkinDocument
                    )
                )
            elif "pickle" in event:
                pickle = event["pickle"]
                self.pickles[(relative, lines[pickle["astNodeIds"][-1]])] = pickle
                self._send(pickle=cm.message_converter.from_dict(pickle, cm.Pickle))

    def scenario(self, scenario):
        self._finish_case()
        from behave.step_registry import registry

        where = location_of(scenario.filename, scenario.line)
        uri, _, line = where.rpartition(":")
        pickle = self.pickles[(uri, int(line))]
        steps = []
        for step, pickle_step in zip(scenario.all_steps, pickle["steps"], strict=False):
            matcher = registry.find_step_definition(step)
            ids = (
                [self.definitions[id(matcher)]]
                if matcher is not None and id(matcher) in self.definitions
                else []
            )
            arguments = [cm.StepMatchArgumentsList(step_match_arguments=[])] if ids else []
            test_step = cm.TestStep(
                id=self.new_id(), pickle_step_id=pickle_step["id"], step_definition_ids=ids,
                step_match_arguments_lists=arguments,
            )  # fmt: skip
            steps.append((step, test_step))
        case = cm.TestCase(
            id=self.new_id(),
            pickle_id=pickle["id"],
            test_steps=[s for _, s in steps],
            test_run_started_id=self.run_id,
        )
        self._send(test_case=case)
        self.current = TestCase(case, self.new_id(), steps)
        self._send(test_case_started=cm.TestCaseStarted(
            attempt=0, id=self.current.started_id, test_case_id=case.id, timestamp=_now()
        ))  # fmt: skip

    def result(self, step):
        if self.current is None:
            return
        for behave_step, test_step in self.current.steps:
            if behave_step is step and test_step.id not in self.current.reported:
                self._step_result(test_step, step.status.name, step.duration, step.error_message, step)
                return

    def _step_result(self, test_step, status, duration, message=None, step=None):
        current = self.current
        current.reported.add(test_step.id)
        current.last_step = test_step.id
        error = getattr(step, "exception", None)
        exception = cm.Exception(type=type(error).__name__, message=str(error)) if error else None
        self._send(test_step_started=cm.TestStepStarted(current.started_id, test_step.id, _now()))
        result = cm.TestStepResult(
            duration=_duration(duration), status=STATUS.get(status, cm.TestStepResultStatus.unknown),
            message=message or None,
            exception=exception,
        )  # fmt: skip
        current.failed |= result.status in (cm.TestStepResultStatus.failed, cm.TestStepResultStatus.undefined)
        self._send(test_step_finished=cm.TestStepFinished(current.started_id, test_step.id, result, _now()))

    def embedding(self, mime_type, data):
        """behave's attach (context.attach): a screenshot, say, for the step that ran last."""
        if self.current is None:
            return
        raw = data if isinstance(data, bytes) else str(data).encode()
        self._send(attachment=cm.Attachment(
            body=base64.b64encode(raw).decode("ascii"), content_encoding=cm.AttachmentContentEncoding.base64,
            media_type=mime_type, test_case_started_id=self.current.started_id,
            test_step_id=getattr(self.current, "last_step", None), timestamp=_now(),
        ))  # fmt: skip

    def _finish_case(self):
        current, self.current = self.current, None
        if current is None:
            return
        self.current = current
        for _, test_step in current.steps:
            if test_step.id not in current.reported:
                undefined = not test_step.step_definition_ids
                self._step_result(test_step, "undefined" if undefined else "skipped", 0.0)
        self.current = None
        self.success &= not current.failed
        self._send(test_case_finished=cm.TestCaseFinished(current.started_id, _now(), will_be_retried=False))

    def eof(self):
        self._finish_case()

    def close(self):
        self._finish_case()
        if self.run_id is not None:
            self._send(test_run_finished=cm.TestRunFinished(
                success=self.success, timestamp=_now(), test_run_started_id=self.run_id
            ))  # fmt: skip
        self.close_stream()
