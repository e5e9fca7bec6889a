"""The clustered migration on 30,000 rows: a fresh process per cluster, against reused workers."""

import os
import re
import tempfile
from pathlib import Path

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
        clusters, wall, workers, work, peak = SUMMARY.search(out).groups()
        wall, work = float(wall), float(work)
        results["modes"][name] = {
            "wall s": wall,
            "worker processes": int(workers),
            "overhead per cluster ms": round((wall * POOL - work) / int(clusters) * 1000, 1),
            "peak MB per worker": int(peak),
        }
    return results
