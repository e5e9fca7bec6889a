"""A pool of three memcached: the hit path with and without L1, where 10,000 keys go, and the
share of pages still served from memcached with one server stopped."""

import hashlib
import shutil
import tempfile
import time
from pathlib import Path

from bench.http import PAGE, ROUNDS, _median, create_page, get, published_posts, wrk
from pagecache.ring import Ring
from stack.local import LocalStack

NODES = 3
KEYS = 10_000
POSTS = 300


def _key(uri):
    return hashlib.md5(f"localhost{uri}".encode()).hexdigest()  # the stack's readers send Host localhost


def _served(stack, uris):
    """The share of uris served from memcached, and the slowest answer (ms)."""
    stack.clear_l1()
    levels, slowest = [], 0.0
    for uri in uris:
        began = time.monotonic()
        response, _ = get(stack.base_url + uri)
        slowest = max(slowest, time.monotonic() - began)
        assert response.status == 200, f"{uri} answered {response.status}"
        levels.append(response.getheader("X-Cache-Level"))
    return round(levels.count("memcached") / len(levels), 3), round(slowest * 1000, 1)


def run():
    results = {"nodes": NODES}
    run_dir = Path(tempfile.mkdtemp(prefix="bench-pool-"))
    db = f"sqlite:///{run_dir / 'bench.sqlite3'}"
    try:
        with LocalStack(db, memcached_nodes=NODES) as stack:
            create_page(stack)
            for _ in range(3):
                get(stack.base_url + PAGE)
            runs = {"hit, 3 memcached": [wrk(stack.base_url + PAGE) for _ in range(ROUNDS)]}
            servers = stack.memcached.split(",")
            ring = Ring(servers)
            counts = dict.fromkeys(servers, 0)
            for n in range(KEYS):
                counts[ring.server_for(_key(f"/blog/p{n}/"))] += 1
            results["keys by server"] = list(counts.values())
            uris = published_posts(stack, "pooled", POSTS)
            for _ in range(2):
                _served(stack, uris)
            results["from memcached, all up"], _ = _served(stack, uris)
            stack.stop_program("memcached-2")
            results["from memcached, one stopped"], results["slowest ms, one stopped"] = _served(stack, uris)
            on_stopped = sum(ring.server_for(_key(uri)) == servers[1] for uri in uris)
            results["expected with one stopped"] = round(1 - on_stopped / len(uris), 3)
        with LocalStack(db, memcached_nodes=NODES, nginx_options={"l1": False}) as classic:
            get(classic.base_url + PAGE)
            runs["hit without L1, 3 memcached"] = [wrk(classic.base_url + PAGE) for _ in range(ROUNDS)]
        results["paths"] = {name: _median(rows) for name, rows in runs.items()}
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return results
