"""Processes that never outlive the run that started them, however it ends (kill -9 included).

Two guards, one place:

- die_with_parent(): the kernel signals a child when its parent dies;
- a reaper: the run puts a mark in its environment, which every process it starts inherits
  (and every process those start: a fork server, the workers it forks, a resource tracker).
  The reaper reads a pipe from the run; end of file means the run is over, by its own exit or
  by kill -9, and every process still carrying the mark is stopped, including one forked in
  the very moment the run died, before it could set a parent-death signal of its own.

The run may also leave the reaper last words: commands it runs once the run is over, before
it sweeps (`when_run_ends`), for what no mark reaches, such as containers a Docker engine runs.

Run as `python -m lifetime NAME MARK`, it is the reaper itself. It depends on nothing of the
site, the stack or the suite, which all use it.
"""

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

PR_SET_PDEATHSIG = 1
HOME = Path(__file__).resolve().parent.parent  # the folder `lifetime` is imported from


def die_with_parent(signum=signal.SIGTERM):
    """When this process's parent dies, kill -9 included, the kernel sends it signum."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signum)


def marked(name, mark):
    """PIDs of the live processes (not zombies) whose environment carries NAME=mark."""
    needle = f"{name}={mark}\0".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes() + b"\0" and _alive(entry):
                found.append(int(entry.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


def left_after(name, mark, seconds):
    """The marked processes still there once none is left or the seconds have passed."""
    deadline = time.monotonic() + seconds
    while (left := marked(name, mark)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _alive(entry):
    return (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def sweep(name, mark, grace=2.0, deadline=10.0):
    """SIGTERM the marked processes; after the grace period SIGKILL them until none is left."""
    for signum in (signal.SIGCONT, signal.SIGTERM):
        for pid in marked(name, mark):
            _kill(pid, signum)
    began = time.monotonic()
    left_after(name, mark, grace)
    while time.monotonic() - began < deadline:  # a process forked meanwhile is caught here
        left = marked(name, mark)
        if not left:
            return
        for pid in left:
            _kill(pid, signal.SIGKILL)
        time.sleep(0.02)


def _kill(pid, signum):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signum)


def start_reaper(name):
    """Mark this process's future children with NAME and start the reaper; the pipe to close at the end.

    A new mark each time: a run started by another run (marked with the same NAME) stops only its own.
    """
    mark = os.environ[name] = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k != name}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HOME), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-m", "lifetime", name, mark],
        stdin=subprocess.PIPE,
        env=env,
        start_new_session=True,  # Ctrl-C in the terminal must not kill it before the run ends
    )


def when_run_ends(reaper, argv, env=None):
    """Have the reaper run argv (with env) once the run is over, however it ends: kill -9 too."""
    line = json.dumps({"argv": [str(arg) for arg in argv], "env": env}) + "\n"
    reaper.stdin.write(line.encode())
    reaper.stdin.flush()


def stop_reaper(reaper):
    """The run is over: let the reaper sweep, and wait for it."""
    if reaper.stdin and not reaper.stdin.closed:
        reaper.stdin.close()
    try:
        reaper.wait(15)
    except subprocess.TimeoutExpired:
        reaper.kill()


def main(argv):
    name, mark = argv[1], argv[2]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    last_words = sys.stdin.buffer.read()  # blocks until the run closes the pipe or dies
    for line in last_words.decode().splitlines():
        job = json.loads(line)
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(job["argv"], env=job["env"], capture_output=True, timeout=120)
    sweep(name, mark)
    return 0
