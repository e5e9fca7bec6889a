"""A scenario's outcome as data: taken where it ran (a worker), given back to the model in harvest.

harvest's reports come from behave's own formatters: the progress lines, JUnit, JSON, HTML. With
workers, scenarios run in other processes; harvest runs its formatters over the same features in
order and, in place of each scenario's steps, replays the outcome its worker sent: the statuses,
durations, errors and captured output, through the same formatter calls a run makes. The reports
of `-j 4` are therefore made as those of a single process are.
"""

import base64
import builtins
import contextlib
from pathlib import Path

from behave.capture import Captured
from behave.model_core import Status

from harvest import behave_compat


def location(scenario):
    """A scenario's name across processes and runs: `features/x.feature:12` (behave's rerun form),
    relative to the project's folder (the current directory) when it is in it."""
    return location_of(scenario.filename, scenario.line)


def location_of(filename, line):
    path = Path(filename).resolve()
    with contextlib.suppress(ValueError):
        path = path.relative_to(Path.cwd())
    return f"{path}:{line}"


def _captured(model):
    captured = model.captured
    return {"stdout": captured.stdout, "stderr": captured.stderr, "log": captured.log}


def _error(model):
    exception = getattr(model, "exception", None)
    if exception is None:
        return None
    return {"type": type(exception).__name__, "text": str(exception)}


def taken(scenario, wall, attempts=1, evidence=()):
    """The outcome of a scenario that just ran (wall: its seconds, hooks included), as JSON-ready data."""
    return {
        "location": location(scenario),
        "wall": wall,
        "status": scenario.status.name,
        "duration": scenario.duration,
        "skip_reason": getattr(scenario, "skip_reason", None),
        "hook_failed": bool(scenario.hook_failed),
        "error_message": getattr(scenario, "error_message", None),
        "error": _error(scenario),
        "captured": _captured(scenario),
        "attempts": attempts,
        "evidence": [str(folder) for folder in evidence],
        "steps": [
            {
                "status": step.status.name,
                "duration": step.duration,
                "error_message": step.error_message,
                "error": _error(step),
                "captured": _captured(step),
            }
            for step in scenario.all_steps
        ],
    }


def lost(where, why):
    """The outcome of the scenario at that location, which its worker could not run (it died,
    or none was left)."""
    return {
        "location": where,
        "wall": 0.0,
        "status": Status.error.name,
        "duration": 0.0,
        "skip_reason": None,
        "hook_failed": True,
        "error_message": why,
        "error": {"type": "WorkerLost", "text": why},
        "captured": {"stdout": "", "stderr": why + "\n", "log": ""},
        "attempts": 1,
        "evidence": [],
        "steps": [],
    }


def _exception(error):
    if not error:
        return None
    kind = getattr(builtins, error["type"], None)
    if not (isinstance(kind, type) and issubclass(kind, BaseException)):
        kind = type(error["type"], (Exception,), {})
    try:
        return kind(error["text"])
    except TypeError:  # an exception whose constructor wants other arguments
        return type(error["type"], (Exception,), {})(error["text"])


def _restore_captured(model, data, failed):
    if any(data.values()):
        model.captured.add_captured(
            Captured(stdout=data["stdout"], stderr=data["stderr"], log=data["log"], failed=failed)
        )


def replay(scenario, runner, outcome, notes=()):
    """Give the scenario its outcome, with the formatter calls behave's Scenario.run makes.

    Returns True when it failed (as Scenario.run does). notes: (caption, text) embedded in the
    HTML report (a flaky scenario's attempts, say).
    """
    scenario.clear_status()
    scenario.captured.reset()
    scenario.hook_failed = outcome["hook_failed"]
    behave_compat.enter_scenario(runner.context, scenario)
    for formatter in runner.formatters:
        formatter.scenario(scenario)
    if outcome["status"] == Status.skipped.name and outcome["skip_reason"]:
        scenario.skip()  # the reason is not logged again: the worker's log had it, as a run's does
        scenario.skip_reason = outcome["skip_reason"]
    for step in scenario:
        for formatter in runner.formatters:
            formatter.step(step)
    _replay_steps(scenario, runner, outcome["steps"])
    scenario.clear_status()
    status = Status.from_name(outcome["status"])
    if scenario.status != status:
        scenario.set_status(status)
    if outcome["error_message"] and not any(s.status.has_failed() for s in scenario.all_steps):
        scenario.error_message = outcome["error_message"]
        scenario.exception = _exception(outcome["error"])
    _restore_captured(scenario, outcome["captured"], status.has_failed())
    for caption, text in notes:
        _embed(runner, "text/plain", text, caption)
    for folder in outcome["evidence"]:
        screenshot = Path(folder) / "screenshot.png"
        if screenshot.exists():
            _attach(runner, screenshot.read_bytes())
    behave_compat.leave(runner.context)
    return status.has_failed()


def _replay_steps(scenario, runner, steps):
    """The steps' outcomes, with the formatter calls of the steps that ran."""
    running = True  # as behave's Scenario.run: steps run until one fails or skips the scenario
    for step, data in zip(scenario.all_steps, steps, strict=False):
        step.reset()
        step.status = Status.from_name(data["status"])
        step.duration = data["duration"]
        ran = running and step.status != Status.untested
        ran = ran and not (step.status == Status.skipped and not data["duration"])  # skipped before it
        if not ran:
            continue
        step.error_message = data["error_message"]
        step.exception = _exception(data["error"])
        _restore_captured(step, data["captured"], step.status.has_failed())
        match = runner.step_registry.find_match(step)
        for formatter in runner.formatters:
            formatter.match(match)
            formatter.result(step)
        running = not (step.status.has_failed() or step.status == Status.skipped)
    for step in list(scenario.all_steps)[len(steps) :]:
        step.status = Status.skipped


def _attach(runner, png):
    """A screenshot into the reports, as the suite's own attach puts it: behave's attach for the
    formatters that take it, the HTML report's embed."""
    for formatter in runner.formatters:
        if hasattr(formatter, "embedding"):
            formatter.embedding("image/png", png)
    _embed(runner, "image/png", base64.b64encode(png).decode("ascii"), "The browser at the failure")


def _embed(runner, mime, data, caption):
    for formatter in runner.formatters:
        if getattr(formatter, "name", "") == "html-pretty":
            formatter.embed(mime, data, caption=caption)
