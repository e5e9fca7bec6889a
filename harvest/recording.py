"""`harvest --record-impact`: the run measured, every process of it, scenario by scenario; the
impact map written at the end (harvest/impact.py)."""

import contextlib
import os
import shutil

from behave.formatter.base import Formatter

from harvest import coverage_start, impact
from harvest.outcomes import location

CONTEXTS = "harvest.recording:Contexts"


class Contexts(Formatter):
    """In a single process, each scenario's start is when every process of the run switches to it."""

    name = "impact-contexts"

    def scenario(self, scenario):
        coverage_start.enter(location(scenario))


class Recording:
    """What the recorded run says back: its result (which scenarios were skipped, unmeasured)."""

    result = None

    def unmeasured(self, scenarios):
        if self.result is None or self.result.runner is None:
            return list(scenarios)
        ran = {location(s): s.status.name for f in self.result.runner.features for s in f.walk_scenarios()}
        return [where for where in scenarios if ran.get(where, "skipped") in ("skipped", "untested")]


@contextlib.contextmanager
def recording(options, project, selection):
    said = Recording()
    if not options.record_impact:
        yield said
        return
    folder = impact.scratch()
    env = impact.record_env(folder, project.root)
    before = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    cov = coverage_start.start()
    try:
        yield said
    finally:
        coverage_start.finish()
        cov.stop()
        cov.save()
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    scenarios = [location(s) for s in selection.chosen]
    found = impact.collect(folder, project.root, scenarios, said.unmeasured(scenarios))
    found.save(options.impact)
    shutil.rmtree(folder, ignore_errors=True)
    files = len(found.files)
    print(f"harvest: the impact map of {len(scenarios)} scenarios over {files} files: {options.impact}")
