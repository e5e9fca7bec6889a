"""What harvest takes from behave beyond its public API, in one place, for one version of behave.

`-j` and `--retry` run scenarios one at a time in workers and replay their outcomes here; for that
they push and pop behave's context layers, set a feature's context up as behave's own run does,
run the cleanups a run leaves, and prepare a runner as behave's `run_model` does. behave promises
nothing about these names: `check()` refuses, in one line at start-up, any behave but the one
this module was written for, and `tests/test_behave_compat.py` pins the formatter calls of a
replayed scenario against those of a run, so that an upgrade fails a named test.
"""

import behave
from behave.runner import Context
from behave.step_registry import registry as the_step_registry

BEHAVE_VERSION = "1.3.3"


def check(version=None):
    """None on the behave this module was written for, else the one line that says so."""
    version = version or behave.__version__
    if version == BEHAVE_VERSION:
        return None
    return (
        f"harvest runs on behave {BEHAVE_VERSION} (its -j and --retry use behave's internals), "
        f"not {version}: pip install behave=={BEHAVE_VERSION}"
    )


def prepare(runner):
    """What behave's Runner.run_model does before the first hook: a context, the step registry."""
    if not runner.context:
        runner.context = Context(runner)
    if runner.step_registry is None:
        runner.step_registry = the_step_registry


def enter_feature(context, feature):
    """The feature's layer of the context, set up as behave's Feature.run sets it up."""
    context._push(layer="feature")
    feature._setup_context_for_run(context)
    context.tags = set(feature.tags)


def enter_scenario(context, scenario):
    """The scenario's layer of the context, as behave's Scenario.run makes it."""
    context._push(layer="scenario")
    context.scenario = scenario
    context.tags = set(scenario.effective_tags)


def leave(context):
    """Back out of the layer last entered (its cleanups run)."""
    context._pop()


def remaining_cleanups(context):
    """The cleanups of the run's own layer (behave runs them after after_all)."""
    context._do_remaining_cleanups()
