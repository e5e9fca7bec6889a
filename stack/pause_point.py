"""A pause point for the race scenarios: a gunicorn worker stops itself right after reading a post.

gunicorn loads this file as its configuration (`-c`) in the suite's stack: each worker then
connects a receiver to the post model's post_init, which fires the moment a post is read from
the database. The suite arms it by writing a post's id to `armed` in the stack's pause folder;
the first worker to read that post claims the file (a rename: one winner), and stops itself
with SIGSTOP, its render under way with the content it read. The suite changes the content
meanwhile, then sends SIGCONT. Nothing here runs unless PAUSE_POINT_DIR is set, and the site's
code knows nothing of it. Only the standard library is imported: gunicorn executes the file.
"""

import contextlib
import os
import signal
import time
from pathlib import Path

FOLDER = "PAUSE_POINT_DIR"


def post_worker_init(worker):
    """gunicorn's hook, called once the worker has loaded the site."""
    folder = os.environ.get(FOLDER)
    if not folder:
        return
    from django.db.models.signals import post_init

    from blog.models import Post

    armed = Path(folder, "armed")

    def pause_after_reading(sender, instance, **kwargs):
        try:
            if armed.read_text() != str(instance.pk):
                return
            os.rename(armed, Path(folder, f"paused-{os.getpid()}"))
        except OSError:  # not armed, or another worker claimed it first
            return
        os.kill(os.getpid(), signal.SIGSTOP)

    post_init.connect(pause_after_reading, sender=Post, weak=False)


# The suite's side.
def arm(folder, post_id):
    """The next worker to read the post stops right after reading it."""
    staged = Path(folder, "armed.new")
    staged.write_text(str(post_id))
    os.replace(staged, Path(folder, "armed"))


def paused_worker(folder, timeout=10.0, stopped=None):
    """The pid of the worker that stopped at the pause point, once it has stopped.

    stopped(pid) says whether it has; by default from this machine's /proc (a launcher whose
    app runs elsewhere, in a container, asks there).
    """
    stopped = stopped or _stopped
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for claimed in Path(folder).glob("paused-*"):
            pid = int(claimed.name.split("-", 1)[1])
            if stopped(pid):
                return pid
        time.sleep(0.005)
    raise TimeoutError(f"no worker stopped at the pause point within {timeout:.0f} s")


def resume(folder, pid, wake=None):
    """Disarm, and let the worker go on: wake(pid), by default SIGCONT on this machine."""
    Path(folder, f"paused-{pid}").unlink(missing_ok=True)
    Path(folder, "armed").unlink(missing_ok=True)
    (wake or _wake)(pid)


def _wake(pid):
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGCONT)


def _stopped(pid):
    try:
        return is_stopped(Path(f"/proc/{pid}/stat").read_text())
    except OSError:
        return False


def is_stopped(stat):
    """Whether a process is stopped, from its /proc/PID/stat line (read here or in a container)."""
    return bool(stat) and stat.rsplit(")", 1)[1].split()[0] in ("T", "t")
