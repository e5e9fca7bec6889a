"""The local launcher: memcached, gunicorn, the purger and nginx as child processes on free loopback ports."""

import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from stack import binaries, health, nginx, pause_point
from stack.interface import StackError, memcached_names
from stack.paths import SUT
from stack.ports import LOOPBACK, free_port, web_port
from stack.processes import Child, tail, wait_until

START_TIMEOUT = 30.0


class LocalStack:
    """The stack under test as local processes (stack.interface.Stack); a context manager too."""

    owns_database = False

    def __init__(self, database_url=None, *, env=None, port=None, gunicorn_workers=2, nginx_options=None,
                 pause_point=False, memcached_nodes=1, memcached_mb=64):  # fmt: skip
        self.database_url = database_url
        self.extra_env = dict(env or {})
        self.gunicorn_workers = gunicorn_workers
        self.nginx_options = dict(nginx_options or {})  # e.g. worker_processes, l1 (bench)
        self.run_dir = Path(tempfile.mkdtemp(prefix="stack-"))
        self.log_dir = self.run_dir / "logs"
        self.log_dir.mkdir()
        if memcached_nodes < 1:
            raise StackError(f"{memcached_nodes} memcached nodes: a stack needs at least one")
        self.memcached_names = memcached_names(memcached_nodes)
        self.memcached_mb = memcached_mb  # each node's memory (bench: a big site)
        self.memcached_ports = {name: free_port() for name in self.memcached_names}
        self.app_port = free_port()
        self.waitroom_port = free_port()
        self.web_port = web_port(port)
        self.children = {}
        self.frozen = set()
        # The race scenarios' pause point (stack/pause_point.py): off for benchmarks.
        self.pause_dir = self.run_dir / "pause" if pause_point else None

    # Addresses, for steps and for people (the browser runs here, so it uses the same).
    @property
    def base_url(self):
        return f"http://localhost:{self.web_port}"

    @property
    def browser_url(self):
        return self.base_url

    @property
    def host(self):
        """The Host header readers send."""
        return f"localhost:{self.web_port}"

    @property
    def app_url(self):
        return f"http://{LOOPBACK}:{self.app_port}"

    @property
    def memcached(self):
        """The server, or the pool's servers comma-separated, as MEMCACHED takes them."""
        return ",".join(f"{LOOPBACK}:{port}" for port in self.memcached_ports.values())

    @property
    def memcached_port(self):
        return self.memcached_ports[self.memcached_names[0]]

    @property
    def programs(self):
        return [*self.memcached_names, "gunicorn", "purger", "waitroom", "nginx"]

    def _named(self, name):
        """The programs a fault names: "memcached" is every node of a pool."""
        return self.memcached_names if name == "memcached" else [name]

    def describe(self):
        return {
            "base_url": self.base_url,
            "app_url": self.app_url,
            "memcached": self.memcached,
            "database": self.database_url,
        }

    # Programs.
    def app_env(self):
        """The environment gunicorn runs the SUT in (also used for the demo-content loading)."""
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="publication.settings",
            DATABASE_URL=self.database_url,
            MEMCACHED=self.memcached,
            ALLOWED_HOSTS="localhost,127.0.0.1",
            PYTHONPATH=os.pathsep.join(filter(None, [str(SUT), env.get("PYTHONPATH")])),
        )
        env.update(self.extra_env)
        return env

    def _memcached(self, name):
        # Items up to 2 MB: the app's own limit (PAGECACHE_MAX_BYTES, 1 MB) is what refuses a big page.
        # -M: full, it refuses a store rather than evict (the app stores nothing in one that evicts).
        argv = [
            binaries.find("memcached"),
            "-l",
            LOOPBACK,
            "-p",
            self.memcached_ports[name],
            "-U",
            "0",
            "-m",
            str(self.memcached_mb),
            "-I",
            "2m",
            "-M",
        ]
        if os.geteuid() == 0:
            argv += ["-u", "root"]
        return Child(name, argv, self.log_dir / f"{name}.log")

    def _gunicorn(self):
        argv = [
            binaries.gunicorn(),
            "publication.wsgi:application",
            "--bind", f"{LOOPBACK}:{self.app_port}",
            "--workers", self.gunicorn_workers,
            "--worker-class", "gthread",
            "--threads", "4",
            "--access-logfile", "-",
            "--error-logfile", "-",
            "--graceful-timeout", "2",
        ]  # fmt: skip
        env = self.app_env()
        if self.pause_dir is not None:
            self.pause_dir.mkdir(exist_ok=True)
            argv += ["--config", pause_point.__file__]
            env[pause_point.FOLDER] = str(self.pause_dir)
        # SIGQUIT: gunicorn's quick shutdown (SIGTERM would wait up to --graceful-timeout for
        # the requests under way and for idle keep-alive connections).
        log = self.log_dir / "gunicorn.log"
        return Child("gunicorn", argv, log, env=env, cwd=SUT, stop_signal=signal.SIGQUIT)

    def _purger(self):
        """Applies the purges the database recorded (pagecache.outbox), outside the app's workers."""
        env = self.app_env()
        argv = [sys.executable, "manage.py", "purger"]
        if self.pause_dir is not None:
            self.pause_dir.mkdir(exist_ok=True)
            argv = [sys.executable, pause_point.__file__, "purger"]
            env[pause_point.FOLDER] = str(self.pause_dir)
        return Child("purger", argv, self.log_dir / "purger.log", env=env, cwd=SUT)

    def _waitroom(self):
        """Where readers of a page under render wait (pagecache.waitroom), not in the app's workers."""
        argv = [sys.executable, "-m", "pagecache.waitroom", "--listen", f"{LOOPBACK}:{self.waitroom_port}"]
        return Child("waitroom", argv, self.log_dir / "waitroom.log", env=self.app_env(), cwd=SUT)

    def _nginx(self):
        program = binaries.find("nginx")
        config = self.run_dir / "nginx.conf"
        (self.run_dir / "store.sock").unlink(missing_ok=True)  # what an nginx killed -9 left bound
        config.write_text(
            nginx.render(
                listen=f"{LOOPBACK}:{self.web_port}",
                memcached=self.memcached,
                app=f"{LOOPBACK}:{self.app_port}",
                waitroom=f"{LOOPBACK}:{self.waitroom_port}",
                app_timeout=nginx.app_timeout(self.app_env()),
                run_dir=self.run_dir,
                log_dir=self.log_dir,
                modules=binaries.nginx_modules(program),
                **self.nginx_options,
            )
        )
        argv = [
            program,
            "-p",
            self.run_dir,
            "-c",
            config,
            "-e",
            self.log_dir / "nginx-error.log",
            "-g",
            "daemon off;",
        ]
        return Child("nginx", argv, self.log_dir / "nginx.log")

    def _healthy(self, name):
        if name in self.memcached_ports:
            return health.memcached_answers(LOOPBACK, self.memcached_ports[name])
        if name == "gunicorn":
            return health.http_ok(LOOPBACK, self.app_port)
        if name == "waitroom":
            return health.http_ok(LOOPBACK, self.waitroom_port, "/health")
        if name == "purger":
            return True  # running; what it has not applied shows on /health/ and `manage.py purges`
        return health.http_ok(LOOPBACK, self.web_port)

    def start_child(self, name):
        """Start one program and wait until it answers; the error names it and shows its log."""
        child = self._memcached(name) if name in self.memcached_ports else getattr(self, f"_{name}")()
        self.children[name] = child.start()

        def ready():
            if not child.running():
                raise StackError(f"{child.exit_description()}:\n{child.log_tail()}")
            return self._healthy(name)

        try:
            wait_until(ready, START_TIMEOUT, what=f"{name} to answer")
        except TimeoutError as error:
            raise StackError(f"{error}:\n{child.log_tail()}") from None
        return child

    # Faults, for the scenarios that specify staying up.
    def stop_program(self, name):
        """Down at once, as in an outage: what was under way is dropped, nothing waits for it
        (gunicorn's quick shutdown; the others stop at SIGTERM). Its processes still exit, so
        what they keep at exit (the impact map's coverage) is kept."""
        for program in self._named(name):
            self.thaw(program)
            child = self.children.pop(program, None)
            if child is not None:
                child.stop()

    def freeze(self, name):
        """SIGSTOP: the program keeps its port (connections are accepted) but never answers."""
        for program in self._named(name):
            self.children[program].signal(signal.SIGSTOP)
            self.frozen.add(program)

    def thaw(self, name):
        for program in self._named(name):
            if program in self.frozen:
                self.frozen.discard(program)
                self.children[program].signal(signal.SIGCONT)

    def arm_pause(self, post_id="", point=""):
        """The next app worker to read the post stops right after reading it (point PURGE: the
        purger, after reading the next purge's tag lists)."""
        if self.pause_dir is None:
            raise StackError("this stack was started without its pause point")
        pause_point.arm(self.pause_dir, post_id, point)

    def paused_worker(self, point=""):
        return pause_point.paused_worker(self.pause_dir, point=point)

    def resume(self, worker, point=""):
        pause_point.resume(self.pause_dir, worker, point=point)

    def kill_paused(self, worker):
        """The paused worker killed (kill -9), its render never finishing; gunicorn starts another."""
        pause_point.resume(self.pause_dir, worker, wake=lambda pid: os.kill(pid, signal.SIGKILL))

    def clear_l1(self):
        nginx.clear_l1(self.run_dir / "l1")

    def browser_service(self, prefs):
        return None  # the suite starts its own browser on this machine

    def heal(self):
        """Every program running and answering again, after whatever a scenario did to them."""
        if self.pause_dir is not None and self.pause_dir.exists():
            pause_point.release_all(self.pause_dir)
        for name in self.programs:
            self.thaw(name)
            child = self.children.get(name)
            if child is None or not child.running():
                self.children.pop(name, None)
                self.start_child(name)

    def prepare(self):
        """Nothing runs before the test database: it is the suite's own (SQLite or PostgreSQL)."""
        return None

    def start(self, database_url=None):
        if database_url is not None:
            self.database_url = database_url
        try:
            for name in self.programs:
                self.start_child(name)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        """Stop every program, the front first; idempotent."""
        for name in reversed(self.programs):
            child = self.children.pop(name, None)
            if child is not None:
                child.stop()
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def log_tails(self, lines=40):
        """The last lines of each program's logs, by file name."""

        return {path.name: tail(path, lines) for path in sorted(self.log_dir.glob("*.log"))}

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
