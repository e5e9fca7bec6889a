"""What the run tells its caller: where the time went, and why the set-up failed (a JSON file)."""

import json
import time
from contextlib import contextmanager

from behave import fixture


class RunRecord:
    """Timings by name and the set-up error, written to path (when given) at every change."""

    def __init__(self, path=None):
        self.path = path
        self.timings = {}
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

    def name(self, what, name):
        """Say what ran (the browser's name and version) beside the timings."""
        self.timings = {**self.timings, what: name}
        self.save()

    def failed_setup(self, error):
        self.setup_error = str(error)
        self.save()

    def save(self):
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({"timings": self.timings, "setup_error": self.setup_error}))


@fixture
def run_record(context, path):
    context.record = RunRecord(path)
    yield context.record
