"""The clustered migration on 30,000 rows: a fresh process per cluster, reused workers, and
Celery workers on this machine's Redis (1 and 2; skipped, saying why, when no broker answers)."""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from operations.broker import BROKER_URL, unreachable
from stack.manage import check as manage
from stack.paths import SUT

ROWS, CLUSTERS, POOL = 30_000, 60, 2
SUMMARY = re.compile(
    r"(\d+) clusters run in ([\d.]+) s by (\d+) worker processes \(([\d.]+) s of work in clusters\); "
    r"peak memory of a worker (\d+) MB"
)


def run():
    scratch = Path(tempfile.mkdtemp(prefix="bench-migration-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{scratch / 'rows.sqlite3'}",
        "MEMCACHED": "127.0.0.1:9",
        "PYTHONPATH": str(SUT),
    }  # fmt: skip  (no memcached: purges skipped)
    manage(env, "migrate", "--noinput")
    manage(env, "shell", "-c", (
        "from django.contrib.auth.models import User; from blog.models import Post;"
        "u = User.objects.create(username='bench');"
        "Post.objects.bulk_create((Post(title=f'Post {i}', slug=f'post-{i}', body='lorem ipsum dolor ' * 60,"
        f" author=u) for i in range({ROWS})), batch_size=2000)"
    ))  # fmt: skip
    results = {"rows": ROWS, "clusters": CLUSTERS, "pool": POOL, "modes": {}}
    for name, reuse in (("a fresh process per cluster (--reuse 1)", 1), ("workers reused (--reuse 10)", 10)):
        manage(env, "shell", "-c", "from blog.models import Post; Post.objects.update(search_version=0)")
        out = manage(env, "run_clustered", "rebuild_search", "--clusters", CLUSTERS, "--pool", POOL,
                      "--reuse", reuse)  # fmt: skip
        results["modes"][name] = _mode(out, POOL)
    broker = BROKER_URL
    for workers in (1, 2):
        name = f"Celery, {workers} worker{'s' if workers > 1 else ''} (--engine celery)"
        manage(env, "shell", "-c", "from blog.models import Post; Post.objects.update(search_version=0)")
        results["modes"][name] = _celery(env, broker, workers)
    return results


def _mode(out, pool):
    clusters, wall, workers, work, peak = SUMMARY.search(out).groups()
    wall, work = float(wall), float(work)
    return {
        "wall s": wall,
        "worker processes": int(workers),
        "overhead per cluster ms": round((wall * pool - work) / int(clusters) * 1000, 1),
        "peak MB per worker": int(peak),
    }


def _celery(env, broker, count):
    """The run on count Celery workers (prefork, one process each), or why it could not run."""
    why = unreachable(broker)
    if why:
        return {"skipped": why}
    env = {**env, "CELERY_BROKER_URL": broker, "CELERY_QUEUE": f"bench-{uuid.uuid4().hex[:8]}"}
    argv = [sys.executable, "-m", "celery", "-A", "operations.tasks", "worker", "--concurrency", "1",
            "--without-gossip", "--without-mingle", "-l", "warning"]  # fmt: skip
    workers = [
        subprocess.Popen(
            [*argv, "-n", f"bench{n}@%h"],
            cwd=SUT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        for n in range(count)
    ]
    try:
        time.sleep(3)  # the workers connect; the runner's tasks wait in the queue meanwhile anyway
        out = manage(env, "run_clustered", "rebuild_search", "--clusters", CLUSTERS, "--engine", "celery")
        return _mode(out, count)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(30)
