"""How far a run of workers (-j, queue mode) has got, while it runs: scenarios done of the total,
failures so far, workers busy, and the time left as the last timings estimate it.

On a terminal, the bottom line of the screen: behave's unfinished line (a feature's dots) and,
after it, the status, redrawn as outcomes arrive; behave's finished lines pass above it, as
they would without it. Elsewhere (CI logs), a plain line on stderr every INTERVAL seconds,
never inside a line of behave's output.
"""

import contextlib
import shutil
import statistics
import sys
import threading
import time

INTERVAL = 15.0  # seconds between two plain lines


class Live:
    def __init__(self, locations, timings, stream=None, tty=None):
        self.stream = stream or sys.stderr
        self.tty = (self.stream.isatty() and sys.stdout.isatty()) if tty is None else tty
        self.guess = statistics.median(timings.values()) if timings else 1.0
        self.expected = {loc: timings.get(loc, self.guess) for loc in locations}
        self.done, self.failed, self.busy, self.workers = set(), 0, 0, 1
        self.lock = threading.RLock()
        self.pending = ""  # behave's unfinished line, on a terminal
        self.screen = None  # the terminal (harvest's real stdout) while the status is drawn
        self.last_plain = time.monotonic()

    def line(self):
        total = len(self.expected)
        left = sum(seconds for loc, seconds in self.expected.items() if loc not in self.done)
        failed = f", {self.failed} failed" if self.failed else ""
        busy = f"{self.busy} of {self.workers} worker(s) busy"
        eta = f"about {left / self.workers:.0f} s left"
        return f"harvest: {len(self.done)}/{total} done{failed}, {busy}, {eta}"

    def update(self, busy=None, workers=None, outcome=None):
        with self.lock:
            if busy is not None:
                self.busy = busy
            if workers is not None:
                self.workers = max(workers, 1)
            if outcome is not None and outcome["location"] not in self.done:
                self.done.add(outcome["location"])
                self.failed += outcome["status"] not in ("passed", "skipped")
            if self.screen is not None:
                self._draw()
            elif not self.tty and time.monotonic() - self.last_plain >= INTERVAL:
                self.last_plain = time.monotonic()
                print(self.line(), file=self.stream, flush=True)

    def _draw(self):
        width = shutil.get_terminal_size().columns - 1
        status = self.pending
        if len(self.done) < len(self.expected):  # once all is in, behave's summary stands alone
            status += f"  [{self.line().removeprefix('harvest: ')}]"
        self.screen.write("\r\033[K" + status[:width])
        self.screen.flush()

    def _write(self, text):
        """behave's output: finished lines above the status, the unfinished one in it."""
        with self.lock:
            self.pending += text
            finished, _, self.pending = self.pending.rpartition("\n")
            if finished or _:
                self.screen.write("\r\033[K" + finished + "\n")
            self._draw()
            return len(text)

    @contextlib.contextmanager
    def above(self):
        """harvest's stdout through the status while the block runs (on a terminal)."""
        if not self.tty:
            yield
            return
        self.screen = real = sys.stdout
        sys.stdout = _Above(real, self)
        try:
            yield
        finally:
            with self.lock:
                sys.stdout = real
                self.screen = None
                real.write("\r\033[K" + self.pending)
                real.flush()
                self.pending = ""


class _Above:
    """harvest's stdout while the status is drawn: each write goes through Live."""

    def __init__(self, stream, live):
        self.stream, self.live = stream, live

    def write(self, text):
        return self.live._write(text)

    def flush(self):
        pass

    def __getattr__(self, name):
        return getattr(self.stream, name)
