"""The operator's commands, run as an operator runs them: a process of their own, on the suite's data."""

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from django.contrib.auth import get_user_model

from stack import manage


def run(stack, *argv, timeout=120):
    """(exit status, output) of a management command."""
    return manage.run(stack.app_env(), *argv, timeout=timeout)


def call(*argv):
    """(0 or 1, output) of a management command run in this process (quick ones, such as groups)."""
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    try:
        call_command(*argv, stdout=out)
    except CommandError as error:
        return 1, f"{out.getvalue()}{error}"
    return 0, out.getvalue()


def migration_argv(clusters, pool, log):
    return ["run_clustered", "rebuild_search", "--clusters", clusters, "--pool", pool, "--log", log]


class Run:
    """A management command running in the background, its output in a file."""

    def __init__(self, process, output_path):
        self.process, self.output_path = process, output_path

    def poll(self):
        return self.process.poll()

    def output(self):
        return self.output_path.read_text(errors="replace")


def start(stack, argv, env=None):
    """A management command started in the background (the operator at another terminal)."""
    output = tempfile.NamedTemporaryFile("w", suffix=".out", delete=False)  # noqa: SIM115
    process = subprocess.Popen(manage.argv(*argv), env=env or stack.app_env(), stdout=output,
                               stderr=subprocess.STDOUT)  # fmt: skip
    output.close()
    return Run(process, Path(output.name))


def finish(run, timeout):
    """(exit status, output) once the command ends; killed, with a note, if it outlives timeout."""
    try:
        status = run.process.wait(timeout)
    except subprocess.TimeoutExpired:
        output = run.output()
        stop(run)
        return None, f"{output}\n(still running after {timeout} s: killed)"
    return status, run.output()


def stop(run):
    if run.process.poll() is None:
        run.process.kill()
        run.process.wait(10)
    run.output_path.unlink(missing_ok=True)


def run_killed_after(stack, argv, finished, log_lines):
    """Start a run and kill -9 it once `finished` clusters are logged; the lines logged by then."""
    process = subprocess.Popen(manage.argv(*argv), env=stack.app_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    try:
        while len(log_lines()) < finished:
            assert process.poll() is None, (
                f"the run ended (status {process.returncode}) before it could be killed"
            )
            assert time.monotonic() < deadline, "the run logged too few clusters in two minutes"
            time.sleep(0.01)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    return log_lines()


def logged_clusters(log):
    if not log.exists():
        return []
    return [m[1] for m in re.finditer(r"^cluster (\d+)/\d+ done", log.read_text(), re.M)]


def make_users(count, domain):
    model = get_user_model()
    start = model.objects.count()
    model.objects.bulk_create(
        model(username=f"{domain}-{start + i}", email=f"user{start + i}@{domain}") for i in range(count)
    )
