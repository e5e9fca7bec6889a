"""The compose launcher: the same stack as containers (docker-compose.yml), for harvest --stack compose.

Order: the images built (cached: a second run rebuilds nothing that did not change), the
database and memcached (the suite creates its test database on that PostgreSQL through the
TEST_RUNNER), then the app pointed at the test database, and nginx. `down -v` at the end, also
when the start failed. Docker Compose v2 (`docker compose`) where present, else v1
(`docker-compose`, which has no `--wait`: the health checks are polled).
"""

import json
import os
import shutil
import subprocess
import time

from stack import nginx, pause_point
from stack.compose_setup import (
    ADDRESSES,
    APP_REPLICAS,
    BUILD_LOG,
    COMPOSE_FILES,
    DB_PASSWORD,
    DB_USER,
    DEFAULT_NET,
    HEALTHY_TIMEOUT,
    IMAGES,
    POOL,
    SERVICES,
    build_failure,
    free_net,
    one_line,
    render_config,
    wheelhouse,
)
from stack.engine import ComposeUnavailable, Engine, install
from stack.interface import BrowserService, StackError, memcached_names
from stack.paths import ROOT, SUT, VAR
from stack.ports import LOOPBACK, free_port, port_is_free


class ComposeStack:
    """The stack under test as containers; the same interface as LocalStack."""

    def __init__(self, run=subprocess.run, project=None, port=None, apps=1, files=COMPOSE_FILES,
                 memcached_nodes=1, images=IMAGES):  # fmt: skip
        if apps not in (1, 2):
            raise StackError(f"--scale-app {apps}: the compose stack runs 1 or 2 app replicas")
        if not 1 <= memcached_nodes <= len(POOL):
            raise StackError(f"--memcached-nodes {memcached_nodes}: the compose stack runs 1 to {len(POOL)}")
        self.pool = POOL[:memcached_nodes]
        self.run = run
        self.files, self.images_built = files, images  # images: the services `build` names
        self.apps = APP_REPLICAS[:apps]
        self.paused_in = None  # the app replica whose worker stopped at the pause point
        self.project = project or f"harvest{os.getpid()}"
        self.ports = {"WEB_PORT": port or free_port(), "BROWSER_PORT": free_port()}
        self.app_database_url = None
        self.frozen = set()
        self.stopped = set()  # services a fault scenario stopped, started again by heal()
        self.run_dir = VAR / "compose" / self.project
        self.pause_dir = self.run_dir / "pause"
        self.l1_dir = self.run_dir / "l1"
        self.browser_prefs = self.run_dir / "firefox"
        self.browser = None  # the browser service, once started
        self.net = DEFAULT_NET  # the run's network, chosen by prepare()
        self.program = None  # the compose command, found by check()
        self.engine = Engine(run)
        self.last_words = None  # (argv, env) -> None: a command run once the run is over, however it ends

    owns_database = True  # `down -v` removes it, test database included

    # Addresses: the suite and its browser (on the host's network) reach each service at its
    # address on the run's network, which the host routes to: the same addresses as nginx and
    # the app, and no userland proxy in the way (Docker's adds some 20 ms to every connection).
    # Only nginx is published, on loopback, for people.
    def address(self, service, port):
        return f"{self.net}.{ADDRESSES[service]}:{port}"

    @property
    def base_url(self):
        return f"http://{self.host}"

    @property
    def browser_url(self):
        return self.base_url

    @property
    def host(self):
        return self.address("web", 80)

    @property
    def memcached(self):
        """The server, or the pool's servers comma-separated, as MEMCACHED takes them."""
        return ",".join(self.address(node, 11211) for node in self.pool)

    @property
    def memcached_names(self):
        """The nodes' names for faults: "memcached", or "memcached-1" ... "memcached-N"."""
        return memcached_names(len(self.pool))

    def database_url(self, name="publication"):
        return f"postgres://{DB_USER}:{DB_PASSWORD}@{self.address('db', 5432)}/{name}"

    def describe(self):
        return {"base_url": self.base_url, "published": f"http://{LOOPBACK}:{self.ports['WEB_PORT']}",
                "memcached": self.memcached, "database": self.app_database_url}  # fmt: skip

    # Commands.
    def _command(self, *args):
        """A compose command's argv and environment."""
        argv = [*(self.program or ["docker", "compose"]), "-p", self.project]
        for path in self.files:
            argv += ["-f", str(path)]
        env = {**os.environ, **{k: str(v) for k, v in self.ports.items()}, "PAUSE_DIR": str(self.pause_dir),
               "L1_DIR": str(self.l1_dir), "BROWSER_PREFS": str(self.browser_prefs), "NET": self.net,
               "NGINX_CONF": str(self.run_dir / "nginx.conf"),
               "APP_MEMCACHED": self.memcached,
               "COMPOSE_PROFILES": ",".join(self._profiles())}  # fmt: skip
        if self.app_database_url:
            env["APP_DATABASE_URL"] = self.app_database_url
        return [*argv, *args], env

    def compose(self, *args, check=True):
        argv, env = self._command(*args)
        result = self.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise StackError(f"docker compose {' '.join(args)} failed:\n{result.stderr.strip()[-3000:]}")
        return result

    def check(self):
        """Docker and Compose installed, an engine answering: one clear line when they cannot be."""
        engine = shutil.which("dockerd") or shutil.which("dockerd", path="/usr/sbin:/usr/local/sbin")
        if not (shutil.which("docker") and self._compose_program() and (engine or self.engine.answers())):
            install(self.run)  # Debian's docker.io, docker-compose (v1) and debootstrap
        self.program = self._compose_program()
        if self.program is None:
            raise ComposeUnavailable("--stack compose needs Docker Compose: apt-get install docker-compose")
        invalid = self.compose("config", "-q", check=False)
        if invalid.returncode != 0:
            raise StackError(f"--stack compose: the compose files are not valid: {one_line(invalid.stderr)}")
        port = self.ports["WEB_PORT"]
        if not port_is_free(port):
            raise StackError(f"--stack compose: port {port} is taken: choose another with --port")
        self.engine.start()

    def _compose_program(self):
        """Compose v2 (`docker compose`) where present, else v1 (`docker-compose`), else None."""
        if (
            shutil.which("docker")
            and self.run(["docker", "compose", "version"], capture_output=True).returncode == 0
        ):
            return ["docker", "compose"]
        return ["docker-compose"] if shutil.which("docker-compose") else None

    def up(self, *services):
        """Start services and wait until each is healthy (v1 has no --wait)."""
        self.compose("up", "-d", "--no-build", *services)
        deadline = time.monotonic() + HEALTHY_TIMEOUT
        for service in services:
            container = self.compose("ps", "-q", service).stdout.strip()
            while True:
                state = json.loads(self.run(["docker", "inspect", "--format", "{{json .State}}", container],
                                            capture_output=True, text=True).stdout or "{}")  # fmt: skip
                health = state.get("Health", {}).get("Status", "healthy" if state.get("Running") else "down")
                if health == "healthy":
                    break
                if not state.get("Running") and state.get("Status") == "exited":
                    logs = self.compose("logs", "--tail", "30", service).stdout
                    raise StackError(f"{service} exited:\n{logs}")
                if time.monotonic() > deadline:
                    raise StackError(f"{service} not healthy after {HEALTHY_TIMEOUT:.0f} s: {health}")
                time.sleep(0.2)

    def prepare(self):
        """The images built, then the database and memcached up, for the suite's test database."""
        self.check()
        self.net = free_net(self.run)
        if self.last_words is not None:  # harvest killed outright: the reaper takes the project down
            self.last_words(*self._command("down", "-v", "--remove-orphans", "--timeout", "3"))
        render_config(self.run_dir / "nginx.conf", self.net, len(self.apps), len(self.pool))
        for folder in (self.pause_dir, self.l1_dir, self.browser_prefs):
            folder.mkdir(parents=True, exist_ok=True)
        try:
            self.images()
            self.up("db", *self.pool)
        except BaseException:
            self.stop()
            raise
        return self.database_url()

    def images(self):
        """Every image: the base made where no registry answers, the app's wheels, then the build."""
        base = self.run([str(ROOT / "stack" / "base-image")], capture_output=True, text=True)
        if base.returncode != 0:
            raise StackError(one_line(base.stderr) or "stack/base-image failed")
        wheelhouse(self.run)
        self.build()

    def build(self):
        """Every image, from the cache where nothing changed; a failure names the service and step."""
        # v1's builder keeps the container of a failed step unless told not to; BuildKit keeps none.
        flags = ["--quiet"] if self.program == ["docker", "compose"] else ["-q", "--force-rm"]
        built = self.compose("build", *flags, *self.images_built, check=False)
        if built.returncode != 0:
            output = built.stdout + built.stderr
            BUILD_LOG.parent.mkdir(parents=True, exist_ok=True)
            BUILD_LOG.write_text(output)
            raise StackError(f"--stack compose: {build_failure(output)} (the build's output: {BUILD_LOG})")

    def start(self, database_url):
        """The app on the test database (at the address both the suite and the app reach), then nginx."""
        self.app_database_url = database_url
        try:
            self.up(*self.apps, "purger", "waitroom", "web")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        if self.program is not None:
            self.compose("down", "-v", "--remove-orphans", "--timeout", "3", check=False)
            self.program = None
        self.engine.stop()  # only if this run started it
        shutil.rmtree(self.run_dir, ignore_errors=True)

    # Faults.
    def _services(self, name):
        if name == "gunicorn":
            return list(self.apps)
        if name == "memcached":
            return list(self.pool)
        if name in self.memcached_names:
            return [self.pool[self.memcached_names.index(name)]]
        return [SERVICES[name]]

    def _profiles(self):
        return [
            profile for profile, on in (("two-apps", len(self.apps) > 1), ("pool", len(self.pool) > 1)) if on
        ]

    def stop_program(self, name):
        services = self._services(name)
        self.compose("kill", *services)  # down at once, as a crash takes it: an outage, not a shutdown
        self.stopped.update(services)

    def freeze(self, name):
        self.compose("pause", *self._services(name))
        self.frozen.add(name)

    def thaw(self, name):
        if name in self.frozen:
            self.frozen.discard(name)
            self.compose("unpause", *self._services(name))

    # The pause point: the folder is shared with the app; its processes are seen from inside.
    def arm_pause(self, post_id="", point=""):
        pause_point.arm(self.pause_dir, post_id, point)

    def paused_worker(self, point=""):
        return pause_point.paused_worker(self.pause_dir, stopped=self._worker_stopped, point=point)

    def resume(self, worker, point=""):
        pause_point.resume(self.pause_dir, worker, wake=self._wake_worker, point=point)

    def kill_paused(self, worker):
        pause_point.resume(self.pause_dir, worker, wake=lambda pid: self._signal_worker(pid, "KILL"))

    def _worker_stopped(self, pid):
        for app in (*self.apps, "purger"):  # the container where that pid is a stopped process
            stat = self.compose("exec", "-T", app, "cat", f"/proc/{pid}/stat", check=False).stdout
            if pause_point.is_stopped(stat):
                self.paused_in = app
                return True
        return False

    def _wake_worker(self, pid):
        self._signal_worker(pid, "CONT")

    def _signal_worker(self, pid, name):
        # The shell's own kill: the image has no procps.
        # A worker already gone (killed by a scenario) is no error: nothing is left to wake.
        container = self.paused_in or "app"
        self.compose("exec", "-T", container, "sh", "-c", f"kill -{name} {int(pid)}", check=False)

    def clear_l1(self):
        nginx.clear_l1(self.l1_dir)  # the web container's first level is a folder of the run

    def browser_service(self, prefs):
        """Firefox in the `browser` container, on the host's network, Marionette on BROWSER_PORT."""
        if self.browser is None:
            prefs = {**prefs, "marionette.port": self.ports["BROWSER_PORT"]}
            lines = [f"user_pref({json.dumps(name)}, {json.dumps(value)});" for name, value in prefs.items()]
            (self.browser_prefs / "user.js").write_text("\n".join(lines) + "\n")
            self.up("browser")
            self.browser = BrowserService(self.ports["BROWSER_PORT"], self._browser_log)
        return self.browser

    def _browser_log(self):
        return self.compose("logs", "--no-color", "--tail", "200", "browser", check=False).stdout.splitlines()

    def heal(self):
        """What a scenario froze, stopped or paused, running and healthy again (nothing to do, no command)."""
        if any(self.pause_dir.glob("*paused-*")):
            for pid in [p.name.rsplit("-", 1)[1] for p in self.pause_dir.glob("*paused-*")]:
                self._worker_stopped(int(pid))  # which container it is in
        pause_point.release_all(self.pause_dir, wake=self._wake_worker)
        for name in list(self.frozen):
            self.thaw(name)
        if self.stopped:
            self.up(*sorted(self.stopped))
            self.stopped.clear()

    def app_env(self):
        """The site's environment for a management command run on this machine, on the same data."""
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "publication.settings",
            "DATABASE_URL": self.app_database_url,
            "MEMCACHED": self.memcached,
            "PYTHONPATH": str(SUT),
        }

    def log_tails(self, lines=40):
        tails = {}
        for service in ("web", *self.apps, "purger", "waitroom", *self.pool, "db"):
            result = self.compose("logs", "--no-color", "--tail", str(lines), service, check=False)
            tails[f"{service}.log"] = result.stdout + result.stderr
        return tails
