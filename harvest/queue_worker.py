"""`harvest worker --queue URL [--run ID]`: one worker of a queue-mode run, on any machine with a
checkout of the run's commit (run it from the checkout's folder, as harvest).

It joins the run (the newest on that broker when no --run is given, or $HARVEST_RUN), sets up
once as a -j worker does (the project's `workers` hook for one worker, the suite's before_all:
its own stack and database), then takes scenarios from the run's queue one at a time until the
run is done, and sends each outcome back. It stops, through the suite's teardowns, when the run
is over, on Ctrl-C and SIGTERM, and within seconds of the coordinator's death.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from behave.configuration import Configuration
from behave.userdata import UserData

from harvest import messages
from harvest.errors import UsageError
from harvest.project import Project
from harvest.queue import ALIVE, Heartbeat, QueueError, Run, connect, newest_run, worker_name
from harvest.running import userdata_args
from harvest.worker import WorkerRunner

JOIN_WAIT = 120  # seconds a worker waits for its run to start


def commit(root=None):
    """The checkout's commit (git rev-parse HEAD), or "unknown" outside git."""
    try:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=root, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return found.stdout.strip() or "unknown"


class Commands:
    """The run's queue as the worker's commands: Run(location) as it takes each, nothing when the
    run is over. What it took stays on its own list until the next one is asked for."""

    def __init__(self, run, worker):
        self.run, self.worker = run, worker
        self.current = None

    def _done(self):
        if self.current is not None:
            self.run.done_with(self.worker, self.current)
            self.current = None

    def __iter__(self):
        while True:
            self._done()
            if self.run.state() != "running":  # done, stopped, or gone with the run's keys
                return
            location = self.run.take(self.worker, timeout=1.0)
            if location is not None:
                self.current = location
                yield messages.encode(messages.Run(location))


class Results:
    """The worker's messages, said on the run's events list."""

    def __init__(self, run, worker):
        self.run, self.worker = run, worker

    def write(self, line):
        self.run.say(self.worker, line)

    def flush(self):
        pass


class Watchdog:
    """SIGTERM to this process when the coordinator's heartbeat stops: the run is orphaned."""

    def __init__(self, run):
        self.run = run
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        silent = 0.0
        while not self.stopped.wait(1.0):
            try:
                alive = self.run.coordinator_alive()
            except Exception:
                alive = False
            silent = 0.0 if alive else silent + 1.0
            if silent > ALIVE:
                print(
                    f"harvest worker: the coordinator of run {self.run.id} is gone: stopping", file=sys.stderr
                )
                os.kill(os.getpid(), signal.SIGTERM)
                return

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()


def _parser(prog):
    parser = argparse.ArgumentParser(prog=f"{prog} worker", description="A worker of a queue-mode run.")
    parser.add_argument(
        "--queue", required=True, metavar="URL", help="the run's Redis, e.g. redis://host:6379/3"
    )
    parser.add_argument(
        "--run", default=os.environ.get("HARVEST_RUN"), metavar="ID",
        help="the run to join (default: $HARVEST_RUN, else the newest run on the broker)",
    )  # fmt: skip
    return parser


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _find(client, options):
    """The run to join: the one named, or the newest; waited for up to JOIN_WAIT seconds (a CI
    machine's worker may start before the coordinator)."""
    deadline = time.monotonic() + JOIN_WAIT
    while True:
        run_id = options.run or newest_run(client)
        if run_id and Run(client, run_id).exists():
            return Run(client, run_id)
        if time.monotonic() > deadline:
            what = f"run {options.run}" if options.run else "no run"
            raise QueueError(f"--queue {options.queue}: {what} waited for workers there in {JOIN_WAIT} s")
        time.sleep(0.5)


def _join(options):
    run = _find(connect(options.queue), options)
    run_id = run.id
    meta = run.meta()
    mine = commit()
    theirs = meta["commit"]
    if theirs != mine:
        raise QueueError(f"run {run_id} is at commit {theirs}, this checkout at {mine}: check out {theirs}")
    return run, meta


def serve(options):
    run, meta = _join(options)
    worker = worker_name()
    project = Project.here()
    print(f"harvest worker {worker}: joined run {run.id}", file=sys.stderr)
    with (
        tempfile.TemporaryDirectory(prefix="harvest-worker-") as scratch,
        Heartbeat(lambda: run.beat(worker)),
    ):
        run.join(worker)
        # Evidence stays on this machine, under this checkout's reports/.
        values = {**meta["userdata"], "reports": str(Path("reports").resolve())}
        values |= {"record": str(Path(scratch) / "run.json"), "harvest.worker": worker}
        with project.workers(1, UserData(values)) as extra, Watchdog(run):
            args = meta["args"] + userdata_args({**values, **extra[0]})
            config = Configuration(command_args=args, load_config=True)
            commands, results = Commands(run, worker), Results(run, worker)
            runner = WorkerRunner(config, commands, results, meta["retries"], project)
            try:
                return 1 if runner.run() else 0
            except KeyboardInterrupt:
                return 130


def main(argv, prog="harvest"):
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return serve(_parser(prog).parse_args(argv))
    except (QueueError, UsageError) as error:
        print(f"{prog} worker: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog} worker: interrupted", file=sys.stderr)
        return 130
