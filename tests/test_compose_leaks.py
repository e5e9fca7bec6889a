"""The compose stack, run for real: nothing of a run is left after a pass, a failure, Ctrl-C,
SIGTERM or kill -9 (no container, network or volume of its project), and bad input is one line,
exit 2.

These start real containers: they need a Docker engine, and harvest installs and starts one
as root. Elsewhere (no root, no engine) they are skipped with the reason.
"""

import os
import signal
import socket
import subprocess

import pytest

from stack.engine import Engine
from stack.processes import wait_until
from tests.conftest import ROOT, harvest_argv, harvest_env
from tests.test_no_leaks import FAILING, PASSING, WAITING

COMPOSE = ["--stack", "compose", "-v", "0"]


@pytest.fixture(scope="module")
def engine(docker_compose):
    """An engine for the module's runs (so each run finds one, and `docker ps` can answer after)."""
    if os.geteuid() != 0 and subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        pytest.skip("no Docker engine answers and none can be started without root")
    running = Engine().start()
    yield
    running.stop()


def left_of(project):
    """What Docker still holds of a compose project: containers, networks, volumes."""
    label = f"label=com.docker.compose.project={project}"
    left = {}
    for kind, argv in (
        ("containers", ["ps", "-a"]),
        ("networks", ["network", "ls"]),
        ("volumes", ["volume", "ls"]),
    ):
        names = subprocess.run(["docker", *argv, "-q", "--filter", label], capture_output=True, text=True)
        assert names.returncode == 0, names.stderr
        if names.stdout.split():
            left[kind] = names.stdout.split()
    return left


def start(args, env):
    """harvest --stack compose in a child process (its pid names the compose project)."""
    return subprocess.Popen(harvest_argv(COMPOSE + args, env), env=env, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def test_passing_run_leaves_nothing(engine, features, tmp_path):
    env = harvest_env(tmp_path)
    process = start([str(features("pass.feature", PASSING))], env)
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, out + err
    assert "harvest: 1 passed, 0 failed" in out
    assert left_of(f"harvest{process.pid}") == {}


def test_failing_run_leaves_nothing_but_evidence(engine, features, tmp_path):
    env = harvest_env(tmp_path)
    process = start([str(features("fail.feature", FAILING))], env)
    out, err = process.communicate(timeout=600)
    assert process.returncode == 1, out + err
    assert left_of(f"harvest{process.pid}") == {}
    evidence = tmp_path / "reports" / "Failing" / "fails"
    assert {"web.log", "app.log", "memcached.log", "db.log"} <= {p.name for p in evidence.iterdir()}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_stopped_run_leaves_nothing(engine, features, tmp_path, signum):
    env = harvest_env(tmp_path)
    process = start([str(features("wait.feature", WAITING))], env)
    project = f"harvest{process.pid}"
    try:
        wait_until((tmp_path / "ready").exists, timeout=600, what="the scenario to start")
        running = left_of(project)
        # db, memcached, app, purger, waitroom, web
        assert len(running.get("containers", [])) == 6, f"the stack should be running now: {running}"
        process.send_signal(signum)
        process.wait(120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0
    # After kill -9 the run's reaper takes the project down (its last words), then sweeps.
    wait_until(lambda: left_of(project) == {}, timeout=60, what=f"the project {project} to be gone")


def test_a_taken_port_is_one_line_and_leaves_nothing(engine, features, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = harvest_env(tmp_path)
        process = start(["--port", str(port), str(features("p.feature", PASSING))], env)
        out, err = process.communicate(timeout=600)
    assert process.returncode == 2, out + err
    line = f"--stack compose: port {port} is taken: choose another with --port"
    assert err.strip().splitlines() == [f"harvest: the stack could not start: {line}"]
    assert left_of(f"harvest{process.pid}") == {}


def test_an_image_that_fails_to_build_names_its_step(engine, tmp_path):
    from stack.compose import ComposeStack
    from stack.interface import StackError

    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm-slim\nRUN true\nRUN exit 7\n")
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  broken:\n    image: harvest-test/broken\n    build: {context: ., network: host}\n"
    )
    broken = tmp_path / "docker-compose.yml"
    stack = ComposeStack(project=f"broken{os.getpid()}", files=(broken,), images=())  # its every service
    stack.check()
    with pytest.raises(StackError) as raised:
        stack.build()
    assert str(raised.value).startswith(
        "--stack compose: the image of broken failed to build at `RUN exit 7` (exit 7) (the build's output: "
    )
    exited = ["docker", "ps", "-aq", "--filter", "status=exited", "--filter", "exited=7"]
    failed_steps = subprocess.run(exited, capture_output=True, text=True).stdout.split()
    assert failed_steps == [], "the failed step's container was left behind"
