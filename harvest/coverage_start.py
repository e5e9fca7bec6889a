"""Coverage for harvest --record-impact in every Python process of a run (harvest/impact.py).

The Makefile installs a `.pth` line that imports this module in a process started while
HARVEST_IMPACT_CONTEXT is set: coverage starts (COVERAGE_PROCESS_START names its settings) and a
thread follows the context file, switching the process's coverage context to the scenario
written there and saving the data, at each switch and every second (a process killed with kill -9
loses at most that second). Each writes that it followed (an `.ack.PID` file beside the context
file), and a scenario starts only once every running process of the run has: no request of it
is counted for the one before.
"""

import atexit
import os
import threading
import time
from pathlib import Path

CONTEXT = "HARVEST_IMPACT_CONTEXT"
ACK_WAIT = 3.0  # seconds a scenario waits for the run's processes to follow it
_started = []
# coverage.py's data is switched and saved by one thread at a time: two at once break its
# database connections, and can crash the process. The following thread holds this while it
# works; finish() takes it for good, before the process's last save.
_lock = threading.Lock()
_finished = []


def start():
    """Coverage for this process, following the context file (once; None without the settings).
    A forked child (the app's workers) follows too, with the coverage coverage.py restarts in it."""
    if _started or not os.environ.get(CONTEXT) or not os.environ.get("COVERAGE_PROCESS_START"):
        return _started[0] if _started else None
    import coverage

    coverage.process_startup()  # coverage.py's own .pth may have started it already
    cov = coverage.Coverage.current()
    if cov is None:
        return None
    _follow_in_thread(cov)
    os.register_at_fork(after_in_child=lambda: _follow_in_thread(coverage.Coverage.current()))
    atexit.register(finish)  # before coverage.py's own save at exit (atexit runs last in first)
    return cov


def finish():
    """The following thread stops for good: what is saved after this, one thread saves."""
    if not _finished:
        _lock.acquire()  # never released
        _finished.append(True)


def _follow_in_thread(cov):
    global _lock
    _lock = threading.Lock()  # a forked child's copy may have been held by the parent's thread
    _finished.clear()
    _started[:] = [cov]
    if cov is not None:
        threading.Thread(target=_follow, args=(cov, Path(os.environ[CONTEXT])), daemon=True).start()


def _follow(cov, path):
    seen, saved = None, time.monotonic()
    while True:
        try:
            text = path.read_text() or seen  # written whole (a rename): never empty once written
        except OSError:
            text = seen
        text = text or ""
        if text != seen or time.monotonic() - saved > 1.0:
            with _lock:
                if text != seen:
                    seen = text
                    cov.switch_context(text)
                    _replace(_ack(path), text)
                cov.save()
            saved = time.monotonic()
        time.sleep(0.02)


def _ack(path):
    """This process's acknowledgement of the context file at path."""
    return path.with_name(f"{path.name}.ack.{os.getpid()}")


def _replace(path, text):
    """Write the file whole: a reader never sees it half written."""
    scratch = path.with_name(f"{path.name}.tmp")
    scratch.write_text(text)
    os.replace(scratch, path)


def _running(pid):
    """The process is alive and not stopped (a frozen app acknowledges nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("T", "t", "Z", "X")


def _read(path):
    try:
        return path.read_text()
    except OSError:
        return None


def _wait_for_acks(path, location, timeout=ACK_WAIT):
    """Until every running process of the run has switched to the location (or timeout); this
    one too when it follows, even before its following thread first acknowledged anything."""
    own = {_ack(path)} if _started else set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = []
        for ack in own | set(path.parent.glob(f"{path.name}.ack.*")):
            pid = ack.name.rsplit(".", 1)[1]
            if pid.isdigit() and _running(int(pid)) and _read(ack) != location:
                pending.append(ack)
        if not pending:
            return
        time.sleep(0.01)


def enter(location):
    """The scenario at location begins: every process of the run follows, this one too, through
    its own following thread (coverage's data is switched and saved by one thread only: two at
    once break its database connections, and can crash the process)."""
    if not os.environ.get(CONTEXT):
        return
    path = Path(os.environ[CONTEXT])
    _replace(path, location)
    _wait_for_acks(path, location)


start()
