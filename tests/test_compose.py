"""The compose launcher: what it runs and in which order, teardown on failure, the one template."""

import subprocess

import pytest

from stack import compose, engine, nginx
from stack.compose import ComposeStack
from stack.engine import ComposeUnavailable, Engine
from stack.interface import StackError
from stack.local import LocalStack
from stack.paths import ROOT


class FakeDocker:
    """Records the commands; fails the one whose words contain `fail_on`."""

    def __init__(self, fail_on=None, engine=True):
        self.commands, self.fail_on, self.engine = [], fail_on, engine
        self.envs = []

    def __call__(self, argv, **kwargs):
        self.commands.append(argv)
        self.envs.append(kwargs.get("env") or {})
        words = " ".join(map(str, argv))
        failed = (self.fail_on and self.fail_on in words) or (words == "docker info" and not self.engine)
        stdout = ""
        if argv[:2] == ["docker", "inspect"]:
            stdout = '{"Running": true, "Health": {"Status": "healthy"}}'
        elif "ps" in argv and "-q" in argv:
            stdout = "c0ffee\n"
        return subprocess.CompletedProcess(
            argv, 1 if failed else 0, stdout=stdout, stderr="boom" if failed else ""
        )

    def compose_verbs(self):
        """The compose commands run, without `ps -q` (how the launcher finds a container to poll)."""
        verbs = [" ".join(c[c.index("-f", c.index("-f") + 1) + 2 :]) for c in self.commands if "-p" in c]
        return [verb for verb in verbs if not verb.startswith("ps -q")]


@pytest.fixture
def docker(monkeypatch, tmp_path):
    monkeypatch.setattr(compose.shutil, "which", lambda name, path=None: "/usr/bin/docker")
    monkeypatch.setattr(compose, "wheelhouse", lambda run: tmp_path)
    return FakeDocker


def test_start_runs_services_in_order(docker):
    fake = docker()
    stack = ComposeStack(run=fake, project="t")
    url = stack.prepare()
    assert (
        url == "postgres://postgres:postgres@172.30.0.10:5432/publication"
    )  # its address on the run's network
    stack.start(url.replace("/publication", "/test_publication"))
    plain = [command for command in fake.commands if "-p" not in command]  # not compose's own
    assert plain[0] == ["docker", "compose", "version"]
    engine = plain.index(["docker", "info"])  # the engine answers, then the network, then the images
    assert plain[engine + 1 : engine + 3] == [
        ["docker", "network", "ls", "-q"],
        [str(ROOT / "stack" / "base-image")],
    ]
    assert fake.compose_verbs() == [
        "config -q",
        "build --quiet db memcached app web browser",
        "up -d --no-build db memcached",
        "up -d --no-build app purger waitroom web",
    ]
    assert stack.app_database_url == "postgres://postgres:postgres@172.30.0.10:5432/test_publication"
    assert (stack.base_url, stack.memcached) == ("http://172.30.0.13:80", "172.30.0.11:11211")
    stack.stop()
    assert fake.compose_verbs()[-1] == "down -v --remove-orphans --timeout 3"


def test_every_command_names_both_compose_files_and_the_project(docker):
    fake = docker()
    ComposeStack(run=fake, project="t").prepare()
    command = [c for c in fake.commands if "-p" in c][-1]
    assert command[:4] == ["docker", "compose", "-p", "t"]
    assert [command[i + 1] for i, w in enumerate(command) if w == "-f"] == [
        str(p) for p in compose.COMPOSE_FILES
    ]


def test_failed_start_tears_everything_down(docker):
    fake = docker(fail_on="--no-build app purger waitroom web")
    stack = ComposeStack(run=fake, project="t")
    stack.prepare()
    with pytest.raises(StackError, match="boom"):
        stack.start(stack.database_url("test_publication"))
    assert fake.compose_verbs()[-1] == "down -v --remove-orphans --timeout 3"


def test_failed_prepare_tears_down_too(docker):
    fake = docker(fail_on="db memcached")
    with pytest.raises(StackError):
        ComposeStack(run=fake, project="t").prepare()
    assert fake.compose_verbs()[-1] == "down -v --remove-orphans --timeout 3"


class ExitedAtOnce:
    """A dockerd that could not start."""

    pid = 0

    def __init__(self, argv, stdout, **kwargs):
        stdout.write(b"failed to start daemon: no storage driver\n")

    def poll(self):
        return 1


def test_no_engine_and_none_can_start_is_one_clear_line(docker, monkeypatch, tmp_path):
    monkeypatch.setattr(engine, "LOG", tmp_path / "dockerd.log")
    monkeypatch.setattr(engine.os, "geteuid", lambda: 0)
    with pytest.raises(ComposeUnavailable) as raised:
        Engine(run=docker(engine=False), popen=ExitedAtOnce).start()
    assert str(raised.value) == (
        f"--stack compose: dockerd did not start ({tmp_path / 'dockerd.log'}): "
        "failed to start daemon: no storage driver"
    )


def test_no_engine_and_no_root_names_the_command(docker, monkeypatch):
    monkeypatch.setattr(engine.os, "geteuid", lambda: 1000)
    with pytest.raises(ComposeUnavailable, match=r"no Docker engine answers; start one: sudo dockerd"):
        Engine(run=docker(engine=False), popen=ExitedAtOnce).start()


def test_an_engine_this_run_did_not_start_is_left_running(docker):
    started = Engine(run=docker(), popen=ExitedAtOnce).start()
    assert started.process is None
    started.stop()  # nothing to stop: it was running before


def test_missing_packages_without_root_name_the_command(docker, monkeypatch):
    def installer(argv, **kwargs):
        message = "missing Debian packages; run: sudo apt-get install -y docker.io debootstrap\n"
        return subprocess.CompletedProcess(argv, 1, stdout="", stderr=message)

    monkeypatch.setattr(compose.shutil, "which", lambda name, path=None: None)
    with pytest.raises(ComposeUnavailable) as raised:
        ComposeStack(run=installer).check()
    assert (
        str(raised.value)
        == "--stack compose: missing Debian packages; run: sudo apt-get install -y docker.io debootstrap"
    )


@pytest.mark.usefixtures("docker_compose")
@pytest.mark.parametrize(
    "text, says",
    [
        ("services:\n  app:\n    image: [1\n", "while parsing a flow sequence"),
        ("services:\n  app:\n    imagex: nginx\n", "Unsupported config option for services.app: 'imagex'"),
    ],
)
def test_a_compose_file_that_does_not_validate_is_one_line(tmp_path, text, says):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(text)
    stack = ComposeStack(files=(broken,))
    with pytest.raises(StackError) as raised:
        stack.check()
    message = str(raised.value)
    assert message.startswith("--stack compose: the compose files are not valid: ") and says in message
    assert "\n" not in message
    assert stack.engine.process is None  # no engine started for a file that cannot run


def test_a_failed_build_names_the_service_and_the_step():
    v1 = (
        "Step 3/4 : RUN apt-get install -y nothing-by-that-name\n"
        "The command '/bin/sh -c apt-get install -y nothing-by-that-name' returned a non-zero code: 100\n"
        "Service 'app' failed to build : Build failed\n"
    )
    assert compose.build_failure(v1) == (
        "the image of app failed to build at `RUN apt-get install -y nothing-by-that-name` (exit 100)"
    )
    buildkit = (
        'ERROR: failed to solve: process "/bin/sh -c pip install -r x.txt" did not complete successfully: '
        "exit code: 1\ntarget web: failed to solve: ...\n"
    )
    assert (
        compose.build_failure(buildkit)
        == "the image of web failed to build at `RUN pip install -r x.txt` (exit 1)"
    )


def test_faults_map_to_compose_commands(docker):
    fake = docker()
    stack = ComposeStack(run=fake, project="t")
    stack.check()
    stack.stop_program("memcached")
    stack.freeze("gunicorn")
    stack.heal()
    assert fake.compose_verbs() == [
        "config -q",
        "kill memcached",
        "pause app",
        "unpause app",
        "up -d --no-build memcached",
    ]
    stack.heal()
    assert fake.compose_verbs()[-1] == "up -d --no-build memcached"  # nothing more to heal


def test_compose_and_local_render_nginx_from_the_one_template(tmp_path):
    template = nginx.TEMPLATE.read_text()
    rendered = compose.render_config(tmp_path / "compose.conf").read_text()
    assert rendered == nginx.substitute(template, **_values(template, rendered))
    local = LocalStack(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        local._nginx()
        written = (local.run_dir / "nginx.conf").read_text()
    finally:
        local.stop()
    assert written == nginx.substitute(template, **_values(template, written))
    assert "server 172.30.0.11:11211 weight=8 max_fails=0;" in rendered
    assert f"server 127.0.0.1:{local.memcached_port} weight=8 max_fails=0;" in written


def _values(template, text):
    """Read each placeholder's value back out of a rendering (fails if the text is not from template)."""
    import re

    pattern = re.escape(template)
    for name in dict.fromkeys(re.findall(r"\\\{\\\{(\w+)\\\}\\\}", pattern)):
        placeholder = re.escape("{{" + name + "}}")
        pattern = pattern.replace(placeholder, f"(?P<{name}>.*?)", 1).replace(placeholder, f"(?P={name})")
    match = re.fullmatch(pattern, text, flags=re.DOTALL)
    assert match, "the rendering does not come from stack/nginx.conf.template"
    return match.groupdict()


@pytest.mark.usefixtures("docker_compose")
def test_compose_files_validate():
    for files in (["docker-compose.yml"], ["docker-compose.yml", "stack/compose.test.yml"]):
        argv = ["docker-compose"] + [w for f in files for w in ("-f", f)] + ["config", "-q"]
        result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_the_run_network_avoids_subnets_in_use():
    def run(argv, **kwargs):
        listed = "n1 n2\n" if argv[:3] == ["docker", "network", "ls"] else "172.30.0.0/24 172.17.0.0/16 \n"
        return subprocess.CompletedProcess(argv, 0, stdout=listed, stderr="")

    assert compose.free_net(run) == "172.30.1"


def test_two_app_replicas_run_behind_nginx_and_fail_together(docker):
    fake = docker()
    stack = ComposeStack(run=fake, project="t", apps=2)
    stack.start(stack.prepare())
    stack.stop_program("gunicorn")
    verbs = fake.compose_verbs()
    assert "up -d --no-build app app2 purger waitroom web" in verbs and verbs[-1] == "kill app app2"
    env = fake.envs[-1]
    assert env["COMPOSE_PROFILES"] == "two-apps"
    config = (stack.run_dir / "nginx.conf").read_text()
    assert (
        "server 172.30.0.12:8000 max_fails=0;" in config and "server 172.30.0.14:8000 max_fails=0;" in config
    )
    stack.stop()


def test_more_app_replicas_than_two_are_refused():
    with pytest.raises(StackError, match="--scale-app 3: the compose stack runs 1 or 2 app replicas"):
        ComposeStack(apps=3)
