"""The last guard against leaks: when a run ends, however it ends, kill whatever it started.

The run puts a mark in its environment, which every process it starts inherits (memcached,
gunicorn, nginx, the browser's driver and every helper process of the browser). The reaper
reads a pipe from the run; end of file means the run is over, by its own shutdown or by
kill -9, and every process still carrying the mark is stopped.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

MARK = "HARVEST_RUN"


def marked(mark):
    """PIDs of the live processes whose environment carries the run's mark."""
    needle = f"{MARK}={mark}\0".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes() + b"\0":
                found.append(int(entry.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


def sweep(mark, grace=2.0):
    """SIGTERM the marked processes, then SIGKILL those still there after the grace period."""
    for signum in (signal.SIGCONT, signal.SIGTERM):
        for pid in marked(mark):
            _kill(pid, signum)
    deadline = time.monotonic() + grace
    while marked(mark) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in marked(mark):
        _kill(pid, signal.SIGKILL)


def _kill(pid, signum):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signum)


def start():
    """Mark this process's future children and start the reaper; returns the pipe to close at the end."""
    mark = os.environ.setdefault(MARK, uuid.uuid4().hex)
    env = {k: v for k, v in os.environ.items() if k != MARK}
    reaper = subprocess.Popen(
        [sys.executable, "-m", "stack.reaper", mark],
        stdin=subprocess.PIPE,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        start_new_session=True,  # Ctrl-C in the terminal must not kill it before the run ends
    )
    return reaper


def stop(reaper):
    """The run is over: let the reaper sweep, and wait for it."""
    if reaper.stdin and not reaper.stdin.closed:
        reaper.stdin.close()
    try:
        reaper.wait(10)
    except subprocess.TimeoutExpired:
        reaper.kill()


def main(argv):
    mark = argv[1]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdin.buffer.read()  # blocks until the run closes the pipe or dies
    sweep(mark)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
