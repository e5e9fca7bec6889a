"""Pause points for the race scenarios: an app worker stops right after reading a post, the
purger right after reading a purge's tag lists.

gunicorn loads this file as its configuration (`-c`) in the suite's stack: each worker then
connects a receiver to the post model's post_init, which fires the moment a post is read from
the database. The suite arms it by writing a post's id to `armed` in the stack's pause folder;
the first worker to read that post claims the file (a rename: one winner), and stops itself
with SIGSTOP, its render under way with the content it read. The suite changes the content
meanwhile, then sends SIGCONT. Nothing here runs unless PAUSE_POINT_DIR is set, and the site's
code knows nothing of it. Only the standard library is imported: gunicorn executes the file.

The purger's point (`python pause_point.py purger`, the stack's purger command): armed by a
file `purge.armed`, it stops the purger after it read the tag lists of a purge and before it
deletes anything (pagecache.purge.lists_read), the moment a render listing its page matters.
"""

import contextlib
import os
import signal
import sys
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


PURGE = "purge."  # the purge point's files: purge.armed, purge.paused-PID


def run_purger():
    """`manage.py purger`, stopping itself once where armed (the stack's purger command)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")
    import django

    django.setup()
    folder = os.environ.get(FOLDER)
    if folder:
        from pagecache.purge import lists_read

        armed = Path(folder, PURGE + "armed")

        def pause_after_reading(sender, **kwargs):
            try:
                os.rename(armed, Path(folder, f"{PURGE}paused-{os.getpid()}"))
            except OSError:  # not armed
                return
            os.kill(os.getpid(), signal.SIGSTOP)

        lists_read.connect(pause_after_reading, weak=False)
    from django.core.management import call_command

    call_command("purger")


# The suite's side.
def arm(folder, post_id="", point=""):
    """The next worker to read the post stops right after reading it (point "": the render's);
    point PURGE: the next purge stops right after reading its tag lists."""
    staged = Path(folder, f"{point}armed.new")
    staged.write_text(str(post_id))
    os.replace(staged, Path(folder, f"{point}armed"))


def paused_worker(folder, timeout=10.0, stopped=None, point=""):
    """The pid of the process that stopped at the pause point, once it has stopped.

    stopped(pid) says whether it has; by default from this machine's /proc (a launcher whose
    app runs elsewhere, in a container, asks there).
    """
    stopped = stopped or _stopped
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for claimed in Path(folder).glob(f"{point}paused-*"):
            pid = int(claimed.name.rsplit("-", 1)[1])
            if stopped(pid):
                return pid
        time.sleep(0.005)
    raise TimeoutError(f"nothing stopped at the {point or 'render.'}pause point within {timeout:.0f} s")


def resume(folder, pid, wake=None, point=""):
    """Disarm, and let the process go on: wake(pid), by default SIGCONT on this machine."""
    Path(folder, f"{point}paused-{pid}").unlink(missing_ok=True)
    Path(folder, f"{point}armed").unlink(missing_ok=True)
    (wake or _wake)(pid)


def release_all(folder, wake=None):
    """Every pause point disarmed and every process stopped at one woken (a scenario that
    failed half-way leaves nothing paused or armed)."""
    for claimed in Path(folder).glob("*paused-*"):
        claimed.unlink(missing_ok=True)
        (wake or _wake)(int(claimed.name.rsplit("-", 1)[1]))
    for armed in Path(folder).glob("*armed"):
        armed.unlink(missing_ok=True)


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


if __name__ == "__main__" and sys.argv[1:] == ["purger"]:
    run_purger()
