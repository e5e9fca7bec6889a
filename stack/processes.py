"""Child processes that never outlive their parent: own process group, killed with it."""

import contextlib
import os
import signal
import subprocess
import time
from collections import deque
from pathlib import Path

from lifetime import die_with_parent


class Child:
    """One started program: its command, its log file, and a guaranteed stop."""

    def __init__(self, name, argv, log_path, env=None, cwd=None, stop_signal=signal.SIGTERM):
        self.name = name
        self.stop_signal = stop_signal  # the program's own "stop now" (gunicorn's is SIGQUIT)
        self.argv = [str(a) for a in argv]
        self.log_path = Path(log_path)
        self.env = env
        self.cwd = cwd
        self.process = None

    def start(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,  # Ctrl-C reaches us, and we stop children in order
                preexec_fn=die_with_parent,  # in the child before exec: kill -9 of the suite too
            )
        return self

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def running(self):
        return self.process is not None and self.process.poll() is None

    def signal(self, signum):
        """Send a signal to the child's whole process group (workers included)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def stop(self, timeout=5.0):
        """The stop signal to the group, wait, then SIGKILL whatever is left; safe to call twice."""
        if self.process is None:
            return
        self.signal(signal.SIGCONT)  # a frozen (SIGSTOPped) child must wake to die
        self.signal(self.stop_signal)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout)
        self.signal(signal.SIGKILL)  # workers that outlived their master go too
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout)

    def log_tail(self, lines=40):
        return tail(self.log_path, lines)

    def exit_description(self):
        code = self.process.poll() if self.process else None
        return f"{self.name} exited with status {code}" if code is not None else f"{self.name} running"


def tail(path, lines=40):
    try:
        with open(path, errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines))
    except FileNotFoundError:
        return ""


def wait_until(check, timeout, interval=0.02, what="condition"):
    """Poll check() until it returns a true value; raise TimeoutError naming what never came."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
