"""`harvest -j N` and `--retry`: workers, each with its own stack and database, and one report.

Each worker gets what the suite's `workers` hook gives it (harvest/project.py: this suite's test
database, migrated once and cloned for each). Scenarios are handed out as workers free up, the
longest first (by reports/timings.json); @serial ones run at the end, one at a time, while no other
scenario runs; @browser ones go to a worker that has started its browser, while one runs. harvest
itself runs behave's formatters over the features in order, replaying each scenario's outcome as it
arrives (harvest/outcomes.py): the progress lines and the reports are made as a single process
makes them.
"""

import contextlib
import functools
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

from behave.runner import Runner
from behave.userdata import UserData

from harvest import messages, outcomes, reports, schedule
from harvest.running import RunResult, execute, userdata

STOP_GRACE = 120  # seconds a worker has for its teardowns before it is killed (its reaper sweeps)


class Worker:
    """A worker process: commands on its stdin, messages from a pipe of its own."""

    def __init__(self, number, retries, behave_args, events):
        self.number = number
        read, write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "harvest.worker", str(write), str(retries), *behave_args],
            stdin=subprocess.PIPE,
            stdout=sys.stderr.fileno(),  # harvest's own output stays the report's
            pass_fds=[write],
            text=True,
        )
        os.close(write)
        self.messages = os.fdopen(read)
        self.reader = threading.Thread(target=self._read, args=(events,), daemon=True)
        self.reader.start()

    def _read(self, events):
        for line in self.messages:
            events.put((self, messages.decode(line)))
        events.put((self, None))  # the worker is gone

    def send(self, message):
        try:
            self.process.stdin.write(messages.encode(message))
            self.process.stdin.flush()
        except (OSError, ValueError):
            pass  # it died (its reader says so), or it was told to stop already

    def stop(self):
        self.send(messages.Stop())
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()

    def terminate(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self):
        try:
            self.process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=5)


class Handout:
    """Hands the scenarios to the workers and keeps their outcomes, by location."""

    def __init__(self, order, serial, failfast=False, browser=()):
        self.queue = deque(loc for loc in order if loc not in serial)
        self.serial = deque(loc for loc in order if loc in serial)
        self.browser = set(browser)  # the locations of the scenarios that need a browser
        self.with_browser = set()  # the workers that started one (a browser starts at first need)
        self.failfast = failfast
        self.events = queue.Queue()
        self.outcomes = {}
        self.teardown_errors = []
        self.setup_error = None
        self.finished = False
        self.changed = threading.Condition()
        self.workers = []

    def start(self, count, retries, args_for):
        self.workers = [Worker(n, retries, args_for(n), self.events) for n in range(1, count + 1)]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _next(self, worker, busy, alive):
        """The scenario for that worker: the first in order, except that browser scenarios go to a
        worker with a browser while one runs (a browser's start costs more than most scenarios)."""
        if self.queue:
            if worker in self.with_browser:
                wanted = [loc for loc in self.queue if loc in self.browser]
            elif self.with_browser & alive:
                wanted = [loc for loc in self.queue if loc not in self.browser]
            else:
                wanted = list(self.queue)
            if not wanted:
                return None if worker not in self.with_browser else self.queue.popleft()
            self.queue.remove(wanted[0])
            location = wanted[0]
        elif self.serial and not busy:
            location = self.serial.popleft()
        else:
            return None
        if location in self.browser:
            self.with_browser.add(worker)
        return location

    def _run(self):
        alive = set(self.workers)
        idle, busy = [], {}
        stopping = False
        while alive:
            for worker in list(idle):
                if stopping or not (location := self._next(worker, busy, alive)):
                    continue
                idle.remove(worker)
                busy[worker] = location
                worker.send(messages.Run(location))
            if not busy and not stopping and not self.queue and not self.serial:
                stopping = True
                for worker in alive:
                    worker.stop()
            worker, message = self.events.get()
            if message is None:
                alive.discard(worker)
                if worker in idle:
                    idle.remove(worker)
                if worker in busy:
                    status = worker.process.wait()
                    why = f"worker {worker.number} stopped (exit status {status}) while running it"
                    self._keep(outcomes.lost(busy.pop(worker), why))
                if not alive and (self.queue or self.serial) and not stopping:
                    for location in [*self.queue, *self.serial]:
                        self._keep(outcomes.lost(location, "no worker was left to run it"))
                continue
            match message:
                case messages.Ready():
                    idle.append(worker)
                case messages.SetupFailed(why=why):
                    self.setup_error = self.setup_error or why
                    stopping = True
                    for other in alive:
                        other.stop()
                case messages.Outcome(outcome=outcome):
                    busy.pop(worker, None)
                    self._keep(outcome)
                    if self.failfast and outcome["status"] not in ("passed", "skipped"):
                        stopping = True
                        for other in alive:
                            other.stop()
                    idle.append(worker)
                case messages.Finished(teardown_error=error) if error:
                    self.teardown_errors.append(error)
        with self.changed:
            self.finished = True
            self.changed.notify_all()

    def _keep(self, outcome):
        with self.changed:
            self.outcomes[outcome["location"]] = outcome
            self.changed.notify_all()

    def wait_for(self, location):
        """The outcome of that scenario once its worker sent it; None when it will never run."""
        with self.changed:
            while location not in self.outcomes and not self.finished:
                self.changed.wait(timeout=1)
            return self.outcomes.get(location)

    def stop(self, interrupted=False):
        """Every worker stopped and waited for (their teardowns run); nothing is left running."""
        for worker in self.workers:
            if interrupted:
                worker.terminate()
            else:
                worker.stop()
        for worker in self.workers:
            worker.wait()
        if self.workers:
            self.thread.join(timeout=10)


def notes(outcome, retries):
    """What the HTML report says of a scenario that took more than one attempt."""
    attempts = outcome["attempts"]
    if attempts < 2:
        return ()
    if outcome["status"] == "passed":
        text = f"flaky: failed {attempts - 1} time(s), passed on attempt {attempts} of {retries + 1}"
        return [("Flaky", text)]
    return [("Retried", f"failed all {attempts} attempts")]


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


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


QUIET = ["--format", "null", "--no-summary", "--no-snippets", "--color", "never"]


def _worker_args(options, selection, records, extra):
    """Each worker's behave arguments: the selection, quiet (harvest reports), its own userdata."""
    tags = ["--tags", selection.expression] if selection.expression else []
    where = [str(loc) for loc in selection.locations]
    return [
        QUIET + tags + where + userdata(options, records / f"worker-{n}.json", {"harvest.worker": n, **own})
        for n, own in enumerate(extra, start=1)
    ]


def _flaky(found):
    return {loc: o["attempts"] for loc, o in found.items() if o["status"] == "passed" and o["attempts"] > 1}


def _merged_records(records, count):
    """The workers' run records as one: each timing the longest of any worker's."""
    timings, browser = {}, None
    for n in range(1, count + 1):
        record = reports.read_record(records / f"worker-{n}.json")
        for name, seconds in record.get("timings", {}).items():
            timings[name] = max(timings.get(name, 0.0), seconds)
        browser = browser or record.get("browser")
    return timings, browser


def run_workers(options, project, jobs, selection, args):
    """The selected scenarios on `jobs` workers, behave's formatters replaying them here (args:
    harvest's behave arguments, its formatters and reports). Returns a RunResult."""
    chosen = selection.chosen
    wanted = [outcomes.location(s) for s in chosen]
    timings = schedule.read_timings(Path(options.reports) / schedule.TIMINGS)
    serial = {outcomes.location(s) for s in chosen if "serial" in s.effective_tags}
    browser = {outcomes.location(s) for s in chosen if "browser" in s.effective_tags}
    handout = Handout(schedule.longest_first(wanted, timings), serial, options.failfast, browser)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        began = time.monotonic()
        with (
            tempfile.TemporaryDirectory(prefix="harvest-workers-") as records,
            project.workers(jobs, UserData(_pairs(userdata(options, "")))) as extra,
        ):
            ready = time.monotonic() - began
            each = _worker_args(options, selection, Path(records), extra)
            handout.start(jobs, options.retry, lambda n: each[n - 1])
            result = RunResult(None, True, True)
            try:
                replay = functools.partial(
                    ReplayRunner, handout=handout, wanted=set(wanted), retries=options.retry
                )
                result = execute(args, replay)
            finally:
                handout.stop(interrupted=result.interrupted)
            worker_timings, result.record["browser"] = _merged_records(Path(records), jobs)
    finally:
        signal.signal(signal.SIGTERM, previous)
    result.record["timings"] = {"workers' set-up": round(ready, 3), **worker_timings}
    result.record["setup_error"] = handout.setup_error
    result.record["seconds"] = {loc: o["wall"] for loc, o in handout.outcomes.items() if o.get("wall")}
    result.flaky = _flaky(handout.outcomes)
    for error in handout.teardown_errors:
        print(f"harvest: a worker's teardown failed: {error}", file=sys.stderr)
    result.failed = result.failed or bool(handout.setup_error) or bool(handout.teardown_errors)
    return result


def _pairs(args):
    """userdata's `-D name=value` arguments as a dict."""
    return dict(arg.split("=", 1) for arg in args[1::2])
