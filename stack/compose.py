"""The compose launcher: the same stack as containers (docker-compose.yml), for harvest --stack compose.

Order: the database and memcached first (the suite creates its test database on that
PostgreSQL through the TEST_RUNNER), then the app pointed at the test database, nginx and the
Selenium Grid. `docker compose down -v` at the end, also when the start failed.
"""

import os
import shutil
import subprocess
from urllib.parse import urlsplit, urlunsplit

from stack import nginx
from stack.interface import StackError
from stack.paths import ROOT, SUT, VAR
from stack.ports import LOOPBACK, free_port

COMPOSE_FILES = (ROOT / "docker-compose.yml", ROOT / "stack" / "compose.test.yml")
RENDERED = VAR / "compose" / "nginx.conf"
SERVICES = {"memcached": "memcached", "gunicorn": "app", "nginx": "web", "database": "db"}
DB_USER, DB_PASSWORD = "postgres", "postgres"


class ComposeUnavailable(StackError):
    """No Docker engine or no Docker Compose v2 on this machine."""


def render_config(path=RENDERED):
    """nginx's config for the `web` container, from the one template, for compose's service names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        nginx.render(
            listen="80",
            memcached="memcached:11211",
            app="app:8000",
            run_dir="/tmp",
            error_log="/dev/stderr",
            access_log="/dev/stdout",
            error_pages="/srv/errors",
            user="root",
            worker_processes=2,
        )
    )
    return path


class ComposeStack:
    """The stack under test as containers; the same interface as LocalStack."""

    def __init__(self, run=subprocess.run, project=None):
        self.run = run
        self.project = project or f"harvest{os.getpid()}"
        self.ports = {"DB_PORT": free_port(), "MEMCACHED_PORT": free_port(), "WEB_PORT": free_port(),
                      "GRID_PORT": free_port()}  # fmt: skip
        self.app_database_url = None
        self.frozen = set()

    owns_database = True  # `down -v` removes it, test database included

    # Addresses: the suite reaches the published ports; the browser (in the Grid) reaches `web`.
    host = "web"
    browser_url = "http://web"

    @property
    def base_url(self):
        return f"http://{LOOPBACK}:{self.ports['WEB_PORT']}"

    @property
    def memcached(self):
        return f"{LOOPBACK}:{self.ports['MEMCACHED_PORT']}"

    @property
    def grid_url(self):
        return f"http://{LOOPBACK}:{self.ports['GRID_PORT']}/wd/hub"

    def database_url(self, name="publication"):
        return f"postgres://{DB_USER}:{DB_PASSWORD}@{LOOPBACK}:{self.ports['DB_PORT']}/{name}"

    def describe(self):
        return {"base_url": self.base_url, "app_url": "http://app:8000 (inside compose)",
                "memcached": self.memcached, "database": self.app_database_url}  # fmt: skip

    # Commands.
    def compose(self, *args, check=True):
        argv = ["docker", "compose", "-p", self.project]
        for path in COMPOSE_FILES:
            argv += ["-f", str(path)]
        env = {**os.environ, **{k: str(v) for k, v in self.ports.items()}}
        if self.app_database_url:
            env["APP_DATABASE_URL"] = self.app_database_url
        result = self.run([*argv, *args], cwd=ROOT, env=env, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise StackError(f"docker compose {' '.join(args)} failed:\n{result.stderr.strip()}")
        return result

    def check(self):
        """One clear line when there is no Docker engine or no `docker compose`."""
        if shutil.which("docker") is None:
            raise ComposeUnavailable("--stack compose needs Docker: docker is not installed")
        if self.run(["docker", "compose", "version"], capture_output=True, text=True).returncode != 0:
            raise ComposeUnavailable(
                "--stack compose needs Docker Compose v2 (`docker compose`); Debian's docker-compose v1 "
                "can only validate the file"
            )
        if self.run(["docker", "info"], capture_output=True, text=True).returncode != 0:
            raise ComposeUnavailable("--stack compose needs a running Docker engine: none answers here")

    def prepare(self):
        """The database and memcached up, so the suite can create its test database there."""
        self.check()
        render_config()
        try:
            self.compose("up", "-d", "--wait", "db", "memcached")
        except BaseException:
            self.stop()
            raise
        return self.database_url()

    def start(self, database_url):
        """The app on the test database (given as the suite reaches it), then nginx and the Grid."""
        parts = urlsplit(database_url)
        # The same database, as the app reaches it inside compose's network.
        self.app_database_url = urlunsplit(parts._replace(netloc=f"{DB_USER}:{DB_PASSWORD}@db:5432"))
        try:
            self.compose("up", "-d", "--wait", "--build", "app", "web", "browser")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        self.compose("down", "-v", "--remove-orphans", check=False)

    # Faults.
    def stop_program(self, name):
        self.compose("stop", SERVICES[name])

    def freeze(self, name):
        self.compose("pause", SERVICES[name])
        self.frozen.add(name)

    def thaw(self, name):
        if name in self.frozen:
            self.frozen.discard(name)
            self.compose("unpause", SERVICES[name])

    def arm_pause(self, post_id):
        raise StackError("the pause point of the race scenarios runs on the local stack only")

    def paused_worker(self):
        raise StackError("the pause point of the race scenarios runs on the local stack only")

    def resume(self, worker):
        pass

    def clear_l1(self):
        self.compose("exec", "-T", "web", "sh", "-c", "rm -rf /tmp/l1/*")

    def heal(self):
        for name in list(self.frozen):
            self.thaw(name)
        self.compose("up", "-d", "--wait", "app", "web", "browser")

    def app_env(self):
        """The site's environment for a management command run on this machine, on the same data."""
        database = self.app_database_url.replace("@db:5432", f"@{LOOPBACK}:{self.ports['DB_PORT']}")
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "publication.settings",
            "DATABASE_URL": database,
            "MEMCACHED": self.memcached,
            "PYTHONPATH": str(SUT),
        }

    def log_tails(self, lines=40):
        tails = {}
        for service in ("web", "app", "memcached", "db"):
            result = self.compose("logs", "--no-color", "--tail", str(lines), service, check=False)
            tails[f"{service}.log"] = result.stdout + result.stderr
        return tails
