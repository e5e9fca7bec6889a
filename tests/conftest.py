"""Shared fixtures: a scratch features folder run by harvest in a child process."""

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from lifetime import marked

ROOT = Path(__file__).resolve().parent.parent

HARVEST = [sys.executable, "-m", "harvest.cli"]

ENVIRONMENT = "from terrain import *  # noqa: F403\n"

STEPS = """
import os, time
from pathlib import Path
from behave import given, then

@given("a step that passes")
def passes(context):
    pass

@then("a step that fails")
def fails(context):
    assert False, "failing on purpose"

@given("the browser shows the front page")
def front_page(context):
    context.state.browser.visit(context.stack.base_url + "/")

@given("the suite waits to be stopped")
def waits(context):
    Path(os.environ["HARVEST_TEST_READY"]).write_text(str(os.getpid()))
    time.sleep(60)
"""


@pytest.fixture
def features(tmp_path):
    """Write a features folder with the suite's environment and a few plain steps."""
    folder = tmp_path / "features"
    (folder / "steps").mkdir(parents=True)
    (folder / "environment.py").write_text(ENVIRONMENT)
    (folder / "steps" / "plain.py").write_text(STEPS)

    def write(name, text):
        path = folder / name
        path.write_text(textwrap.dedent(text))
        return path

    write.folder = folder
    return write


def harvest_env(tmp_path):
    env = dict(os.environ)
    env["HARVEST_LEAK_MARK"] = uuid.uuid4().hex
    env["HARVEST_TEST_READY"] = str(tmp_path / "ready")
    env["TEST_REPORTS"] = str(tmp_path / "reports")  # run_harvest passes it as --reports
    return env


def harvest_argv(args, env=None):
    """harvest with args; evidence goes to the test's own folder when its env names one."""
    reports = ["--reports", env["TEST_REPORTS"]] if env and "TEST_REPORTS" in env else []
    return HARVEST + reports + list(args)


def run_harvest(args, env=None, cwd=ROOT, timeout=120):
    return subprocess.run(
        harvest_argv(args, env), capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout
    )


def processes_marked(mark):
    """PIDs of live processes whose environment carries the mark (all that a run started)."""
    return marked("HARVEST_LEAK_MARK", mark)


@pytest.fixture(scope="session")
def docker_compose():
    """Debian's docker.io, docker-compose and debootstrap, installed as harvest --stack compose
    would (as root); elsewhere, where they are missing, the test is skipped and says why."""
    from stack.engine import ComposeUnavailable, install

    try:
        install()
    except ComposeUnavailable as error:
        pytest.skip(str(error))
