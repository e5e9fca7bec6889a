"""A killed migration runner leaves nothing behind: no fork server, worker or resource tracker.

The runner is killed with SIGKILL at many random moments of its first seconds, while another
process keeps a core busy; every process it started carries a mark in its environment, and
none may remain.
"""

import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from lifetime import left_after
from stack import manage
from stack.paths import SUT

RUNS = 50
MARK = "KILLED_RUNNER_TEST"


def _busy_core():
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _database(folder):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'rows.sqlite3'}", "MEMCACHED": "127.0.0.1:9",
           "PYTHONPATH": str(SUT)}  # fmt: skip
    manage.check(env, "migrate", "--noinput")
    manage.check(env, "shell", "-c", (
        "from django.contrib.auth.models import User; from blog.models import Post;"
        "u = User.objects.create(username='w');"
        "Post.objects.bulk_create(Post(title=f'P {i}', slug=f'p-{i}', body='a b', author=u)"
        " for i in range(600))"
    ))  # fmt: skip
    return env


def test_a_runner_killed_at_any_moment_leaves_no_process():
    folder = Path(tempfile.mkdtemp(prefix="killed-runner-"))
    env = _database(folder)
    rng = random.Random(int(os.environ.get("KILL_SEED", "0")) or None)
    busy = _busy_core()
    left = {}
    try:
        for run in range(RUNS):
            mark = uuid.uuid4().hex
            log = folder / f"run{run}.log"
            argv = manage.argv("run_clustered", "rebuild_search", "--clusters", 30, "--pool", 2, "--log", log)
            runner = subprocess.Popen(argv, env={**env, MARK: mark}, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)  # fmt: skip
            time.sleep(rng.uniform(0.3, 2.5))  # the moment of the kill: start-up, forking, working
            runner.kill()
            runner.wait()
            remaining = left_after(MARK, mark, 20)
            if remaining:
                left[run] = [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:120]
                             for pid in remaining if Path(f"/proc/{pid}").exists()]  # fmt: skip
                for pid in remaining:
                    os.kill(pid, 9)
    finally:
        busy.kill()
        busy.wait()
    assert not left, f"processes outlived their killed runner: {left}"
