"""The compose launcher: what it runs and in which order, teardown on failure, the one template."""

import shutil
import subprocess

import pytest

from stack import compose, nginx
from stack.compose import ComposeStack, ComposeUnavailable
from stack.interface import StackError
from stack.local import LocalStack
from stack.paths import ROOT


class FakeDocker:
    """Records the commands; fails the one whose words contain `fail_on`."""

    def __init__(self, fail_on=None, engine=True):
        self.commands, self.fail_on, self.engine = [], fail_on, engine

    def __call__(self, argv, **kwargs):
        self.commands.append(argv)
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
    monkeypatch.setattr(compose.shutil, "which", lambda name: "/usr/bin/docker")
    monkeypatch.setattr(compose, "RENDERED", tmp_path / "nginx.conf")
    monkeypatch.setattr(compose, "wheelhouse", lambda run: tmp_path)
    return FakeDocker


def test_start_runs_services_in_order(docker):
    fake = docker()
    stack = ComposeStack(run=fake, project="t")
    url = stack.prepare()
    assert url == f"postgres://postgres:postgres@127.0.0.1:{stack.ports['DB_PORT']}/publication"
    stack.start(url.replace("/publication", "/test_publication"))
    assert fake.commands[:2] == [["docker", "compose", "version"], ["docker", "info"]]
    assert fake.commands[2] == ["docker", "network", "ls", "-q"]
    assert fake.commands[3] == [str(ROOT / "stack" / "base-image")]
    assert fake.compose_verbs() == [
        "build --quiet",
        "up -d --no-build db memcached",
        "up -d --no-build app web",
    ]
    assert stack.app_database_url == "postgres://postgres:postgres@172.30.0.10:5432/test_publication"
    stack.stop()
    assert fake.compose_verbs()[-1] == "down -v --remove-orphans"


def test_every_command_names_both_compose_files_and_the_project(docker):
    fake = docker()
    ComposeStack(run=fake, project="t").prepare()
    command = [c for c in fake.commands if "-p" in c][-1]
    assert command[:4] == ["docker", "compose", "-p", "t"]
    assert [command[i + 1] for i, w in enumerate(command) if w == "-f"] == [
        str(p) for p in compose.COMPOSE_FILES
    ]


def test_failed_start_tears_everything_down(docker):
    fake = docker(fail_on="app web")
    stack = ComposeStack(run=fake, project="t")
    stack.prepare()
    with pytest.raises(StackError, match="boom"):
        stack.start(stack.database_url("test_publication"))
    assert fake.compose_verbs()[-1] == "down -v --remove-orphans"


def test_failed_prepare_tears_down_too(docker):
    fake = docker(fail_on="db memcached")
    with pytest.raises(StackError):
        ComposeStack(run=fake, project="t").prepare()
    assert fake.compose_verbs()[-1] == "down -v --remove-orphans"


def test_no_engine_is_one_clear_line(docker):
    with pytest.raises(ComposeUnavailable, match="needs a running Docker engine"):
        ComposeStack(run=docker(engine=False)).prepare()


def test_no_docker_at_all(monkeypatch):
    monkeypatch.setattr(compose.shutil, "which", lambda name: None)
    with pytest.raises(ComposeUnavailable, match="needs Docker: apt-get install docker.io"):
        ComposeStack().check()


def test_faults_map_to_compose_commands(docker):
    fake = docker()
    stack = ComposeStack(run=fake, project="t")
    stack.check()
    stack.stop_program("memcached")
    stack.freeze("gunicorn")
    stack.heal()
    assert fake.compose_verbs() == [
        "stop memcached",
        "pause app",
        "unpause app",
        "up -d --no-build memcached",
    ]
    stack.heal()
    assert fake.compose_verbs()[-1] == "up -d --no-build memcached"  # nothing more to heal


def test_harvest_without_docker_says_so_and_exits_2(tmp_path):
    from tests.conftest import harvest_env, run_harvest

    env = harvest_env(tmp_path)
    env["PATH"] = "/nonexistent"
    result = run_harvest(["--stack", "compose", "--tag", "cache"], env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "harvest: the stack could not start: --stack compose needs Docker" in result.stderr


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
    assert "server 172.30.0.11:11211;" in rendered and f"server 127.0.0.1:{local.memcached_port};" in written


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


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose (Debian) not installed")
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
