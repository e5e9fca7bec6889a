"""What the run tells its caller: where the time went, and why the set-up failed (a JSON file)."""

import json
import time
from contextlib import contextmanager

from behave import fixture


class RunRecord:
    """Timings by name, the browser that ran and the set-up error, written to path (when given)."""

    def __init__(self, path=None):
        self.path = path
        self.timings = {}
        self.browser = None
        self.setup_error = None

    @contextmanager
    def timed(self, name):
        """Add the time the block takes to the timing of that name."""
        began = time.monotonic()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.monotonic() - began, 3)
            self.save()

    def browser_ran(self, name):
        """The browser's name and version, for the timings line."""
        self.browser = name
        self.save()

    def failed_setup(self, error):
        self.setup_error = str(error)
        self.save()

    def save(self):
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            record = {"timings": self.timings, "browser": self.browser, "setup_error": self.setup_error}
            self.path.write_text(json.dumps(record))


@fixture
def run_record(context, path):
    context.record = RunRecord(path)
    yield context.record
