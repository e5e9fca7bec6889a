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

from harvest import coverage_start, messages, outcomes, replay, schedule
from harvest.live import Live

STOP_GRACE = 120  # seconds a worker has for its teardowns before it is killed (its reaper sweeps)


class Worker:
    """A worker process: commands on its stdin, messages from a pipe of its own."""

    def __init__(self, number, retries, behave_args, events):
        self.number = number
        read, write = os.pipe()
        env = dict(os.environ)
        if env.get(coverage_start.CONTEXT):  # harvest --record-impact: a context file a worker
            env[coverage_start.CONTEXT] += f"-{number}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "harvest.worker", str(write), str(retries), *behave_args],
            env=env,
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


class Handout(replay.Outcomes):
    """Hands the scenarios to the workers and keeps their outcomes, by location."""

    def __init__(self, order, serial, failfast=False, browser=(), live=None):
        super().__init__(live or Live(order, {}))
        self.queue = deque(loc for loc in order if loc not in serial)
        self.serial = deque(loc for loc in order if loc in serial)
        self.browser = set(browser)  # the locations of the scenarios that need a browser
        self.with_browser = set()  # the workers that started one (a browser starts at first need)
        self.failfast = failfast
        self.events = queue.Queue()
        self.workers = []

    def start(self, count, retries, args_for):
        self.live.update(workers=count)
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
        self.stopping = False
        while alive:
            for worker in list(idle):
                if self.stopping or not (location := self._next(worker, busy, alive)):
                    continue
                idle.remove(worker)
                busy[worker] = location
                worker.send(messages.Run(location))
                self.live.update(busy=len(busy))
            if not busy and not self.stopping and not self.queue and not self.serial:
                self._stop_all(alive)
            worker, message = self.events.get()
            if message is None:
                self._gone(worker, alive, idle, busy)
            else:
                self._on(worker, message, alive, idle, busy)
        self._finish()

    def _stop_all(self, alive):
        self.stopping = True
        for worker in alive:
            worker.stop()

    def _gone(self, worker, alive, idle, busy):
        """A worker's process ended: what it was running is lost, and with none left, the rest."""
        alive.discard(worker)
        if worker in idle:
            idle.remove(worker)
        if worker in busy:
            status = worker.process.wait()
            why = f"worker {worker.number} stopped (exit status {status}) while running it"
            self._keep(outcomes.lost(busy.pop(worker), why))
        if not alive and (self.queue or self.serial) and not self.stopping:
            for location in [*self.queue, *self.serial]:
                self._keep(outcomes.lost(location, "no worker was left to run it"))

    def _on(self, worker, message, alive, idle, busy):
        match message:
            case messages.Ready():
                idle.append(worker)
            case messages.SetupFailed(why=why):
                self.setup_error = self.setup_error or why
                self._stop_all(alive)
            case messages.Outcome(outcome=outcome):
                busy.pop(worker, None)
                self._keep(outcome)
                self.live.update(busy=len(busy), outcome=outcome)
                if self.failfast and outcome["status"] not in ("passed", "skipped"):
                    self._stop_all(alive)
                idle.append(worker)
            case messages.Finished(teardown_error=error, record=record):
                self._worker_finished(record, error)

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


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def run_workers(options, project, jobs, selection, args):
    """The selected scenarios on `jobs` workers, behave's formatters replaying them here (args:
    harvest's behave arguments, its formatters and reports). Returns a RunResult."""
    chosen = selection.chosen
    wanted = [outcomes.location(s) for s in chosen]
    timings = schedule.read_timings(Path(options.reports) / schedule.TIMINGS)
    serial = {outcomes.location(s) for s in chosen if "serial" in s.effective_tags}
    browser = {outcomes.location(s) for s in chosen if "browser" in s.effective_tags}
    order = schedule.longest_first(wanted, timings)
    handout = Handout(order, serial, options.failfast, browser, Live(order, timings))
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        began = time.monotonic()
        with (
            tempfile.TemporaryDirectory(prefix="harvest-workers-") as records,
            project.workers(jobs, replay.run_userdata(options)) as extra,
        ):
            ready = time.monotonic() - began
            each = [
                replay.worker_args(options, selection, Path(records) / f"worker-{n}.json", n, own)
                for n, own in enumerate(extra, start=1)
            ]
            handout.start(jobs, options.retry, lambda n: each[n - 1])
            result = replay.replayed(options, args, handout, wanted)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return replay.gathered(result, handout, ready)
