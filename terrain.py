"""The suite's lifecycle, top to bottom: behave calls these hooks through features/environment.py.

Each external thing is a behave fixture in features/support/, its set-up and teardown side by
side; behave runs the teardowns (in reverse order) after the last feature, on a failure, on
Ctrl-C and on SIGTERM:

    before_all       the leak guard, the stack's launcher, the test database, the stack started
    before_scenario  a fresh state (database, memcached, nginx's L1); what its tags ask
                     (features/support/tags.py: @pool, @celery skipped where they cannot run;
                     a browser for @browser)
    after_step       after a Given, the purges its writes recorded applied
    after_scenario   evidence under reports/ when the scenario failed
    after_all        (the fixtures' teardowns) browser, stack, test database, leak guard
"""

import os
import shutil
import signal
import tempfile
from pathlib import Path

import stack  # noqa: E402, F401  (the site's packages and the suite's support importable)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")
# Users are created and log in in many scenarios: a fast hasher, in the suite and its stack.
os.environ.setdefault("FAST_PASSWORD_HASHING", "1")
# The app's time limit for a reader (features/slow_app.feature): short, so hung-app scenarios cost seconds.
os.environ.setdefault("PAGECACHE_APP_TIMEOUT", "4")

from behave import use_fixture  # noqa: E402

from stack.binaries import MissingBinary  # noqa: E402
from stack.interface import StackError  # noqa: E402
from support import evidence, isolation, purges, tags  # noqa: E402
from support.browser_session import browser_session  # noqa: E402
from support.database import test_database  # noqa: E402
from support.options import Options  # noqa: E402
from support.run_record import run_record  # noqa: E402
from support.scenario_state import ScenarioState  # noqa: E402
from support.stack_under_test import leak_guard, running_stack, stack_under_test  # noqa: E402

__all__ = ["after_scenario", "after_step", "before_all", "before_scenario"]


def _terminate(signum, frame):
    # SIGTERM takes the same road as Ctrl-C: behave aborts the run and runs the teardowns.
    raise KeyboardInterrupt(f"signal {signum}")


def before_all(context):
    signal.signal(signal.SIGTERM, _terminate)
    context.options = Options.from_userdata(context.config.userdata)
    context.options.reports.mkdir(parents=True, exist_ok=True)
    record = use_fixture(run_record, context, context.options.record)
    try:
        with record.timed("setup"):
            use_fixture(leak_guard, context)
            with record.timed("stack start"):
                context.stack = use_fixture(stack_under_test, context, context.options)
                server_url = context.stack.prepare()
            with record.timed("test database"):
                database_url = use_fixture(
                    test_database, context, server_url, drop=not context.stack.owns_database,
                    given=context.options.database,
                )  # fmt: skip
            with record.timed("stack start"):
                use_fixture(running_stack, context, context.stack, database_url)
    except (MissingBinary, StackError) as error:
        record.failed_setup(error)  # harvest says it in one line
        raise
    context.browsers = use_fixture(browser_session, context, context.options, record, context.stack)


def before_scenario(context, scenario):
    context.state = ScenarioState()  # what the steps hand each other, declared
    if why := tags.skip_reason(context, scenario):
        scenario.skip(why)
        return
    context.state.scratch = Path(tempfile.mkdtemp(prefix="scenario-"))  # files a scenario writes (logs ...)
    context.add_cleanup(shutil.rmtree, context.state.scratch, ignore_errors=True)
    isolation.reset(context.stack)
    if tags.wants_browser(scenario):
        context.state.browser = context.browsers.fresh(context.stack.browser_url + "/health/")


def after_step(context, step):
    if step.step_type == "given" and step.status.name == "passed":
        purges.settle()


def after_scenario(context, scenario):
    # The scenario's own cleanups (a database brought back ...) run after this hook.
    if scenario.status.name in ("failed", "error") or getattr(scenario, "hook_failed", False):
        evidence.keep(context, scenario, context.options.reports)
