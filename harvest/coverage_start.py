"""Coverage for harvest --record-impact in every Python process of a run (harvest/impact.py).

The Makefile installs a `.pth` line that imports this module in a process started while
HARVEST_IMPACT_CONTEXT is set: coverage starts (COVERAGE_PROCESS_START names its settings) and a
thread follows the context file, switching the process's coverage context to the scenario
written there and saving the data, at each switch and every second (a process killed with kill -9
loses at most that second).
"""

import os
import threading
import time
from pathlib import Path

CONTEXT = "HARVEST_IMPACT_CONTEXT"
_started = []


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
    return cov


def _follow_in_thread(cov):
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
            if text != seen:
                seen = text
                cov.switch_context(text)
            cov.save()
            saved = time.monotonic()
        time.sleep(0.05)


def enter(location):
    """The scenario at location begins: every process of the run follows (this one at once)."""
    if not os.environ.get(CONTEXT):
        return
    path = Path(os.environ[CONTEXT])
    scratch = path.with_name(f"{path.name}.{os.getpid()}")
    scratch.write_text(location)
    os.replace(scratch, path)  # whole: a process reading it never sees it half written
    if _started:
        _started[0].switch_context(location)


start()
