"""Celery workers for the @celery scenarios: real worker processes on this machine, on the
stack's data and a queue of the scenario's own on the broker (CELERY_BROKER_URL)."""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime

from operations import broker
from operations.broker import BROKER_URL
from stack import task_pause
from stack.paths import ROOT, SUT

RECEIVED = re.compile(r"run_cluster\[([0-9a-f-]+)\] received")
SUCCEEDED = re.compile(r"run_cluster\[([0-9a-f-]+)\] succeeded")


def broker_unreachable():
    """Why no broker can be used here, or None when one answers."""
    return broker.unreachable(BROKER_URL)


class Workers:
    """Named worker processes, each its own process group (a "machine": kill -9 takes it all)."""

    def __init__(self, stack, folder):
        queue = f"clusters-{uuid.uuid4().hex[:8]}"
        self.env = {**stack.app_env(), "CELERY_BROKER_URL": BROKER_URL, "CELERY_QUEUE": queue,
                    # A killed worker's task goes to another after 2 s: well over a cluster's
                    # run here (a tenth of a second), well under the 10 s the site runs with.
                    "CELERY_VISIBILITY_TIMEOUT": "2",
                    task_pause.FOLDER: str(folder / "pause"), "PYTHONPATH": str(ROOT)}  # fmt: skip
        self.folder, self.processes = folder, {}
        (folder / "pause").mkdir()

    def start(self, *names):
        for name in names:
            log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115  (the worker writes it)
            argv = [sys.executable, "-m", "celery", "-A", "operations.tasks", "worker", "--concurrency", "1",
                    "-n", f"{name}@%h", "-l", "info", "--without-gossip", "--without-mingle",
                    "--include", "stack.task_pause"]  # fmt: skip
            self.processes[name] = subprocess.Popen(
                argv, cwd=SUT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 30
        while not all("ready." in self.log(name) for name in names):
            assert time.monotonic() < deadline, f"the workers did not start: {self.log(names[0])[-800:]}"
            time.sleep(0.1)

    def log(self, name):
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def running(self, name):
        """The task the worker is running now (received, not finished), or None."""
        text = self.log(name)
        finished = set(SUCCEEDED.findall(text))
        under_way = [task for task in RECEIVED.findall(text) if task not in finished]
        return under_way[0] if under_way else None

    def pause_next_task(self, name):
        """The next cluster the worker starts stops before its work (stack/task_pause.py)."""
        task_pause.arm(self.folder / "pause", name)

    def paused_task(self):
        return task_pause.paused_task(self.folder / "pause")

    def received_at(self, name, task):
        """When the worker received that task (its log's local time)."""
        line = rf"^\[([\d-]+ [\d:]+,\d+): INFO/MainProcess\] Task \S+\[{task}\] received"
        found = re.search(line, self.log(name), re.MULTILINE)
        assert found, f"the worker {name} never received task {task}"
        return datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S,%f")

    def finished(self, name):
        return SUCCEEDED.findall(self.log(name))

    def kill(self, name):
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait(10)

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
