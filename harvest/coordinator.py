"""`harvest --queue URL`: the run's scenarios on a Redis queue, taken by workers on any machines
(`harvest worker --queue URL`), their outcomes replayed here into one output and one report.

The coordinator puts the selected scenarios on the run's queue, the longest first by the last
timings, and @serial ones one at a time once every other has its outcome and none is running.
A worker whose heartbeat stops (killed, its machine gone) gives its scenario back: it runs again
on another worker and is reported once, with a note that it was lost. With no worker alive for
WAIT_FOR_WORKERS seconds, what is left is reported as never run.
"""

import sys
import threading
import time
from pathlib import Path

from harvest import messages, outcomes, replay, schedule
from harvest.live import Live
from harvest.queue import Heartbeat, Run, connect, new_run_id
from harvest.queue_worker import commit

WAIT_FOR_WORKERS = 300.0  # seconds a run waits with no live worker before it gives up
FINISH_GRACE = 60.0  # seconds the coordinator waits for its workers' last words at the end


class QueueHandout(replay.Outcomes):
    """The run's queue as -j's Handout: outcomes by location, waited for by the replay."""

    def __init__(self, run, order, serial, failfast=False, live=None):
        super().__init__(live or Live(order, {}))
        self.run = run
        self.order = [loc for loc in order if loc not in serial]
        self.serial = [loc for loc in order if loc in serial]
        self.failfast = failfast
        self.lost = {}  # location: the workers it was lost on
        self.joined, self.said_goodbye = set(), set()
        self.serial_running = None
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self, meta):
        self.run.open(meta, self.order)
        self.thread.start()

    def _run(self):
        last_alive = time.monotonic()
        while not self._all_in() and not self.setup_error and not self.stopping:
            if event := self.run.next_event(timeout=1.0):
                self._on(*event)
            self._reclaim()
            if self._count_workers():
                last_alive = time.monotonic()
            elif time.monotonic() - last_alive > WAIT_FOR_WORKERS:
                break
            self._next_serial()
        self.run.set_state("done" if self._all_in() else "stopped")
        self._give_up_on_the_rest()
        self._wait_for_goodbyes()
        self._finish()

    def _on(self, worker, line):
        self.joined.add(worker)
        match messages.decode(line):
            case messages.SetupFailed(why=why):
                self.setup_error = self.setup_error or why
            case messages.Outcome(outcome=outcome) if outcome["location"] not in self.outcomes:
                outcome["lost_on"] = self.lost.get(outcome["location"], [])
                self._keep(outcome)
                self.live.update(outcome=outcome)
                if outcome["location"] == self.serial_running:
                    self.serial_running = None
                if self.failfast and outcome["status"] not in ("passed", "skipped"):
                    self.run.clear_todo()
                    self.order, self.serial = [], []
            case messages.Finished(teardown_error=error, record=record):
                self.said_goodbye.add(worker)
                self._worker_finished(record, error)

    def _reclaim(self):
        """What dead workers had taken, back on the queue for another."""
        for worker in self.run.workers():
            if self.run.alive(worker):
                continue
            for location in self.run.give_back(worker):
                if location in self.outcomes:  # it answered, then died: nothing to run again
                    self.run.client.lrem(self.run.key("todo"), 1, location)
                    continue
                self.lost.setdefault(location, []).append(worker)
                print(
                    f"harvest: worker {worker} was lost while running {location}: it runs again",
                    file=sys.stderr,
                )

    def _count_workers(self):
        """How many workers are alive (the live status told, with how many are busy)."""
        alive = [worker for worker in self.run.workers() if self.run.alive(worker)]
        busy = sum(1 for worker in alive if self.run.taken_by(worker))
        self.live.update(busy=busy, workers=len(alive))
        return len(alive)

    def _anyone_alive(self):
        return any(self.run.alive(worker) for worker in self.run.workers())

    def _next_serial(self):
        if self.serial_running or not self.serial:
            return
        if all(loc in self.outcomes for loc in self.order):
            self.serial_running = self.serial.pop(0)
            self.run.push([self.serial_running])

    def _wanted(self):
        return [*self.order, *self.serial, *([self.serial_running] if self.serial_running else [])]

    def _all_in(self):
        return all(loc in self.outcomes for loc in self._wanted())

    def _give_up_on_the_rest(self):
        if self.stopping:
            return  # interrupted: the rest is not run, and not reported
        why = (
            "a worker's set-up failed"
            if self.setup_error
            else f"no worker took it in {WAIT_FOR_WORKERS:.0f} s"
        )
        if self.failfast and any(o["status"] not in ("passed", "skipped") for o in self.outcomes.values()):
            return  # --failfast: the rest is not run, and not reported
        for location in self._wanted():
            if location not in self.outcomes:
                self._keep(outcomes.lost(location, why))

    def _wait_for_goodbyes(self):
        deadline = time.monotonic() + FINISH_GRACE
        while self.joined - self.said_goodbye and time.monotonic() < deadline:
            if not self._anyone_alive():
                break
            if event := self.run.next_event(timeout=1.0):
                self._on(*event)

    def stop(self, interrupted=False):
        if interrupted:
            self.stopping = True
            self.run.clear_todo()
            self.run.set_state("stopped")
        self.thread.join(timeout=FINISH_GRACE + 10)


def run_queue(options, project, selection, args):
    """The selection on the queue at options.queue; a RunResult, replayed as -j's is."""
    run = Run(connect(options.queue), options.run or new_run_id())
    chosen = selection.chosen
    wanted = [outcomes.location(s) for s in chosen]
    timings = schedule.read_timings(Path(options.reports) / schedule.TIMINGS)
    serial = {outcomes.location(s) for s in chosen if "serial" in s.effective_tags}
    order = schedule.longest_first(wanted, timings)
    handout = QueueHandout(run, order, serial, options.failfast, Live(order, timings))
    meta = {
        "commit": commit(),
        "args": replay.selection_args(selection, project.root),
        "userdata": dict(replay.run_userdata(options)),
        "retries": options.retry,
    }
    print(f"harvest: run {run.id} waits for workers: harvest worker --queue {options.queue} --run {run.id}",
          file=sys.stderr)  # fmt: skip
    try:
        with Heartbeat(run.beat_coordinator):
            handout.start(meta)
            result = replay.replayed(options, args, handout, wanted)
    finally:
        run.close()
    return replay.gathered(result, handout)
