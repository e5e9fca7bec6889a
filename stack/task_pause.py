"""A pause point for the Celery scenario: a worker's pool process stops as a cluster's task starts.

A Celery worker imports this module when started with `--include stack.task_pause` (the suite's
workers are): it connects a receiver to Celery's task_prerun. The suite arms it for one worker
by creating `armed-NAME` in the pause folder (TASK_PAUSE_DIR); the next task that worker starts
claims the file (a rename to `paused-TASK_ID`) and stops (SIGSTOP) before its work, its message
received and accepted: the moment "in the middle of a cluster" is then certain, not a race
against a fast cluster. Nothing here runs unless TASK_PAUSE_DIR is set; the site knows nothing of it.
"""

import os
import signal
import time
from pathlib import Path

from celery.signals import task_prerun

FOLDER = "TASK_PAUSE_DIR"


@task_prerun.connect(weak=False)
def pause_when_armed(task_id=None, task=None, **kwargs):
    folder = os.environ.get(FOLDER)
    if not folder:
        return
    name = (task.request.hostname or "").partition("@")[0]
    try:
        os.rename(Path(folder, f"armed-{name}"), Path(folder, f"paused-{task_id}"))
    except OSError:  # not armed for this worker
        return
    os.kill(os.getpid(), signal.SIGSTOP)


# The suite's side.
def arm(folder, worker):
    Path(folder, f"armed-{worker}").touch()


def paused_task(folder, timeout=60.0):
    """The id of the task that stopped at the pause point, once one has."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for paused in Path(folder).glob("paused-*"):
            return paused.name.removeprefix("paused-")
        time.sleep(0.01)
    raise TimeoutError(f"no task stopped at the pause point within {timeout:.0f} s")
