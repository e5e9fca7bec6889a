"""No process the suite starts outlives it: after a pass, a failure, Ctrl-C, SIGTERM or kill -9."""

import signal
import subprocess
import time
from pathlib import Path

import pytest

from lifetime import left_after
from stack.processes import wait_until
from tests.conftest import ROOT, harvest_argv, harvest_env, processes_marked, run_harvest

PASSING = "Feature: Passing\n  Scenario: passes\n    Given a step that passes\n"
FAILING = "Feature: Failing\n  Scenario: fails\n    Given a step that passes\n    Then a step that fails\n"
WAITING = "Feature: Waiting\n  Scenario: waits\n    Given the suite waits to be stopped\n"
WAITING_TWICE = WAITING + "  Scenario: waits too\n    Given the suite waits to be stopped\n"


def worker_of(harvest, pid):
    """Whether pid is one of harvest's workers: its child (a worker's own child shows the worker's
    command line from its fork until it runs its program), running harvest.worker."""
    try:
        parent = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
        return parent == harvest and b"harvest.worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return False  # gone meanwhile


def gone(mark):
    left = left_after("HARVEST_LEAK_MARK", mark, 10)
    assert not left, f"processes left behind: {left}"


def test_passing_run_leaves_nothing(features, tmp_path):
    env = harvest_env(tmp_path)
    result = run_harvest([str(features("pass.feature", PASSING))], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "harvest: 1 passed, 0 failed" in result.stdout
    gone(env["HARVEST_LEAK_MARK"])


def test_failing_run_leaves_nothing_but_evidence(features, tmp_path):
    env = harvest_env(tmp_path)
    result = run_harvest([str(features("fail.feature", FAILING))], env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "harvest: 0 passed, 1 failed" in result.stdout
    gone(env["HARVEST_LEAK_MARK"])
    evidence = tmp_path / "reports" / "Failing" / "fails"
    assert (evidence / "responses.txt").exists()
    assert "nginx" in " ".join(p.name for p in evidence.iterdir())


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_stopped_run_leaves_nothing(features, tmp_path, signum, jobs):
    """harvest stopped while its scenarios run: in one process, or with two workers (each its
    own stack: Ctrl-C and SIGTERM stop them through their teardowns; kill -9 of harvest reaches
    them as SIGTERM from the kernel)."""
    env = harvest_env(tmp_path)
    path = features("wait.feature", WAITING_TWICE if jobs > 1 else WAITING)
    process = subprocess.Popen(
        harvest_argv([str(path), "-j", str(jobs)], env), env=env, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_until((tmp_path / "ready").exists, timeout=60, what="the scenario to start")
        running = processes_marked(env["HARVEST_LEAK_MARK"])
        assert running, "the stack should be running now"
        if jobs > 1:
            workers = [pid for pid in running if worker_of(process.pid, pid)]
            assert len(workers) == 2, f"two workers should be running: {running}"
        process.send_signal(signum)
        process.wait(60)
    finally:
        if process.poll() is None:
            process.kill()
    if signum != signal.SIGKILL:
        assert process.returncode != 0
    time.sleep(0.1)
    gone(env["HARVEST_LEAK_MARK"])
