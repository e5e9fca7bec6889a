"""What -j and queue mode share: each worker's arguments, and behave's formatters replaying the
outcomes the workers send, in the features' order, as a single run makes its calls."""

import functools
import os
import sys
import threading

from behave.runner import Runner
from behave.userdata import UserData

from harvest import outcomes
from harvest.running import RunResult, execute, run_values, userdata


def notes(outcome, retries):
    """What the HTML report says of a scenario that took more than one attempt, or was lost with
    its worker and ran again."""
    said = []
    for worker in outcome.get("lost_on", ()):
        said.append(("Lost", f"worker {worker} was lost while running it; it ran again on another worker"))
    attempts = outcome["attempts"]
    if attempts < 2:
        return said
    if outcome["status"] == "passed":
        text = f"flaky: failed {attempts - 1} time(s), passed on attempt {attempts} of {retries + 1}"
        return [*said, ("Flaky", text)]
    return [*said, ("Retried", f"failed all {attempts} attempts")]


class ReplayRunner(Runner):
    """behave's runner and formatters, with each handed-out scenario replayed from its outcome."""

    def __init__(self, config, handout, wanted, retries):
        super().__init__(config)
        self.handout = handout
        self.wanted = wanted
        self.retries = retries

    def load_hooks(self, filename=None):
        super().load_hooks(filename)  # terrain puts the site and the support on the path
        self.hooks = {}  # the workers run the hooks; here nothing starts

    def run_model(self, features=None):
        features = self.features if features is None else features
        for feature in features:
            for scenario in feature.walk_scenarios():
                if outcomes.location(scenario) in self.wanted:
                    scenario.run = functools.partial(self._replay, scenario)
        return super().run_model(features)

    def _replay(self, scenario, runner):
        outcome = self.handout.wait_for(outcomes.location(scenario))
        if outcome is None:  # never run: --failfast stopped the run, or it was interrupted
            return False
        return outcomes.replay(scenario, runner, outcome, notes(outcome, self.retries))


class Outcomes:
    """What -j's and queue mode's handouts keep: each scenario's outcome by location, waited for
    by the replay; the workers' run records and teardown errors; the first set-up error."""

    def __init__(self, live):
        self.live = live
        self.outcomes, self.records, self.teardown_errors = {}, [], []
        self.setup_error = None
        self.finished = False
        self.changed = threading.Condition()

    def _keep(self, outcome):
        with self.changed:
            self.outcomes[outcome["location"]] = outcome
            self.changed.notify_all()

    def _worker_finished(self, record, error):
        self.records.append(record or {})
        if error:
            self.teardown_errors.append(error)

    def _finish(self):
        """No outcome will come any more: whoever waits is told."""
        with self.changed:
            self.finished = True
            self.changed.notify_all()

    def wait_for(self, location):
        """The outcome of that scenario once its worker sent it; None when it will never run."""
        with self.changed:
            while location not in self.outcomes and not self.finished:
                self.changed.wait(timeout=1)
            return self.outcomes.get(location)


QUIET = ["--format", "null", "--no-summary", "--no-snippets", "--color", "never"]


def selection_args(selection, root=None):
    """A worker's behave arguments for the selection, quiet (harvest reports); paths relative to
    root when given (a queue's workers have checkouts of their own)."""
    tags = ["--tags", selection.expression] if selection.expression else []
    where = [str(loc) for loc in selection.locations]
    if root is not None:
        where = [_relative(loc, root) for loc in where]
    return QUIET + tags + where


def _relative(location, root):
    """A path, or FILE:LINE, relative to root."""
    path, colon, line = location.rpartition(":")
    if colon and line.isdigit():
        return f"{os.path.relpath(path, root)}:{line}"
    return os.path.relpath(location, root)


def worker_args(options, selection, record, number, own):
    """A local worker's behave arguments: the selection, its run record, its number, its own userdata."""
    return selection_args(selection) + userdata(options, record, {"harvest.worker": number, **own})


def run_userdata(options):
    """The run's userdata as behave's UserData (what the suite's workers hook reads)."""
    return UserData({name: str(value) for name, value in run_values(options).items()})


def flaky(found):
    return {loc: o["attempts"] for loc, o in found.items() if o["status"] == "passed" and o["attempts"] > 1}


def merged_records(records):
    """The workers' run records as one: each timing the longest of any worker's."""
    timings, browser = {}, None
    for record in records:
        for name, seconds in record.get("timings", {}).items():
            timings[name] = max(timings.get(name, 0.0), seconds)
        browser = browser or record.get("browser")
    return timings, browser


def replayed(options, args, handout, wanted):
    """behave's formatters over the features, each wanted scenario replayed from the handout's
    outcome, the handout's live status below them; the handout stopped at the end, however the
    run ends."""
    result = RunResult(None, True, True)
    try:
        make = functools.partial(ReplayRunner, handout=handout, wanted=set(wanted), retries=options.retry)
        with handout.live.above():
            result = execute(args, make)
    finally:
        handout.stop(interrupted=result.interrupted)
    return result


def gathered(result, handout, ready=None):
    """The run's result with what its workers said: timings, set-up and teardown errors, flaky."""
    timings, result.record["browser"] = merged_records(handout.records)
    result.record["timings"] = (
        {"workers' set-up": round(ready, 3), **timings} if ready is not None else timings
    )
    result.record["setup_error"] = handout.setup_error
    result.record["seconds"] = {loc: o["wall"] for loc, o in handout.outcomes.items() if o.get("wall")}
    result.flaky = flaky(handout.outcomes)
    for error in handout.teardown_errors:
        print(f"harvest: a worker's teardown failed: {error}", file=sys.stderr)
    result.failed = result.failed or bool(handout.setup_error) or bool(handout.teardown_errors)
    return result
