"""One of `harvest -j N`'s workers: its own stack on its own database, scenarios as handed out.

    python -m harvest.worker FD RETRIES BEHAVE-ARGS...

The worker sets up as a single run does (the suite's before_all), then reads Run messages from
stdin (harvest/messages.py), runs each scenario (again, up to RETRIES times, while it fails) and
writes its Outcome to file descriptor FD. It stops at Stop, at the end of stdin, on SIGTERM and
when harvest dies (the kernel sends it SIGTERM), always through the suite's teardowns.
"""

import contextlib
import ctypes
import os
import signal
import sys
import time

from behave.configuration import Configuration

from harvest import behave_compat, coverage_start, messages
from harvest.outcomes import location, taken
from harvest.project import Project
from harvest.quiet import QuietSetupRunner
from harvest.reports import read_record

PR_SET_PDEATHSIG = 1
ATTEMPT = "harvest.attempt"  # userdata: the attempt now running (see harvest/project.py)


def die_with_parent():
    """SIGTERM when the process that started this one dies (Linux), however it dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class WorkerRunner(QuietSetupRunner):
    def __init__(self, config, commands, results, retries, project):
        super().__init__(config)
        self.commands = commands
        self.results = results
        self.retries = retries
        self.project = project  # its hooks: where an attempt's evidence is

    def send(self, message):
        self.results.write(messages.encode(message))
        self.results.flush()

    def run_model(self, features=None):
        behave_compat.prepare(self)
        features = self.features if features is None else features
        scenarios = {location(s): (f, s) for f in features for s in f.walk_scenarios()}
        self.hook_failures = 0
        self.run_hook("before_all")
        if self.aborted or self.hook_failures:
            record = read_record(self.config.userdata.get("record", ""))
            why = record.get("setup_error") or "the set-up (before_all) failed: see above"
            self.send(messages.SetupFailed(why))
        else:
            self.send(messages.Ready())
            try:
                self.serve(scenarios)
            except KeyboardInterrupt:
                self.abort(reason="KeyboardInterrupt")
        self.run_hook_with_capture("after_all")
        teardown_error = None
        try:
            behave_compat.remaining_cleanups(self.context)
        except Exception as error:  # a teardown that failed: harvest says it, and the run fails
            teardown_error = f"{type(error).__name__}: {error}"
        record = read_record(self.config.userdata.get("record", ""))
        self.send(messages.Finished(teardown_error, record))
        return self.aborted or bool(teardown_error)

    def serve(self, scenarios):
        for line in self.commands:  # the pipe from harvest -j, or a queue (harvest/queue_worker.py)
            command = messages.decode(line)
            if not isinstance(command, messages.Run):
                break
            feature, scenario = scenarios[command.location]
            self.send(messages.Outcome(self.run_with_retries(feature, scenario)))
            if self.aborted:
                break

    def run_with_retries(self, feature, scenario):
        evidence = []
        for attempt in range(1, self.retries + 2):
            if self.retries:
                self.config.userdata[ATTEMPT] = str(attempt)  # the suite keeps each attempt's evidence
            began = time.monotonic()
            failed = self.run_once(feature, scenario)
            wall = time.monotonic() - began
            kept = self.project.evidence(self.context, scenario) if failed else None
            if kept is not None and kept.exists():
                evidence.append(kept)
            if not failed or self.aborted:
                break
        return taken(scenario, wall, attempts=attempt, evidence=evidence)

    def run_once(self, feature, scenario):
        coverage_start.enter(location(scenario))  # harvest --record-impact: lines by scenario
        self.feature = feature
        behave_compat.enter_feature(self.context, feature)
        try:
            return scenario.run(self)
        finally:
            behave_compat.leave(self.context)


def main(argv):
    die_with_parent()
    results = os.fdopen(int(argv[0]), "w")
    retries = int(argv[1])
    config = Configuration(command_args=argv[2:], load_config=True)
    runner = WorkerRunner(config, sys.stdin, results, retries, Project.here())
    try:
        failed = runner.run()
    except KeyboardInterrupt:
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
