"""Grace: pages served through an outage of the app, what a grace copy costs in memory, and the
hit and miss paths with grace copies and without (PAGECACHE_GRACE=0).

Each stack: PAGES published posts and the index read once (stored), then read from memcached.
The outage: every page's lifetime ended (its key deleted, as memcached does at its TTL) and the
app stopped; every page asked for once. Memory: memcached's `bytes` per page stored. The hit
path: HITS sequential reads of one stored page; the miss path: a page that is never stored,
rendered every time, and what storing a page costs the render (the site's own calls, timed).
Run alone: `python -m bench grace`.
"""

import hashlib
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.test.utils import override_settings
from pymemcache.client.base import Client

from bench.crowds import _reader
from bench.http import create_page, published_posts
from stack.local import LocalStack
from stack.ports import LOOPBACK

PAGES = 40
HITS = 2000
STORES = 300


def _stats(stack):
    return {k.decode(): v for k, v in Client((LOOPBACK, stack.memcached_port)).stats().items()}


def _read_all(stack, uris):
    return [_reader(stack.web_port, uri)() for uri in uris]


def _hit_p50(stack, uri):
    read = _reader(stack.web_port, uri)
    read()
    timings = [read()[2] for _ in range(HITS)]
    return statistics.median(timings) * 1000


def _storing_ms(stack, grace_seconds):
    """Median ms of the site's calls that store one 20 kB page (lease, page, copies, lists, check)."""
    if not settings.configured:
        settings.configure(PAGECACHE_TIMEOUT=1.0, PAGECACHE_TTL=300)
    from pagecache import renders, store

    key = hashlib.md5(b"localhost/bench/grace/").hexdigest()
    timings = []
    with override_settings(PAGECACHE_MEMCACHED=stack.memcached, PAGECACHE_GRACE=grace_seconds):
        for _ in range(STORES):
            store.node_for(key).delete(key)
            began = time.perf_counter()
            render = renders.Render(key)
            render.store(b"x" * 20000, ["post:1"], 300)
            render.release()
            timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


def _outage(stack, uris):
    Client((LOOPBACK, stack.memcached_port)).delete_many([hashlib.md5(f"localhost{u}".encode()).hexdigest()
                                                         for u in uris])  # fmt: skip
    stack.clear_l1()
    stack.stop_program("gunicorn")
    try:
        answers = _read_all(stack, uris)
    finally:
        stack.heal()
    stale = sum(1 for status, cache, _ in answers if status == 200 and cache == "STALE")
    return stale, max(elapsed for _, _, elapsed in answers) * 1000


def _one(grace_seconds):
    scratch = Path(tempfile.mkdtemp(prefix="bench-grace-"))
    try:
        return _measure(f"sqlite:///{scratch / 'grace.sqlite3'}", grace_seconds)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _measure(database_url, grace_seconds):
    with LocalStack(database_url, env={"PAGECACHE_GRACE": str(grace_seconds)}) as stack:
        create_page(stack)
        posts = published_posts(stack, "grace", PAGES - 2, body="lorem ipsum " * 1500)
        uris = ["/", "/blog/benchmark/", *posts]
        before = _stats(stack)["bytes"]
        _read_all(stack, uris)
        stored = _stats(stack)["bytes"] - before
        hit = _hit_p50(stack, "/blog/benchmark/")
        miss = statistics.median(_reader(stack.web_port, f"/?q={n}")()[2] for n in range(200)) * 1000
        storing = _storing_ms(stack, grace_seconds)
        served, slowest = _outage(stack, uris)
        return {
            "pages": len(uris),
            "memcached bytes per page": round(stored / len(uris)),
            "hit p50 ms": round(hit, 3),
            "render (never stored) p50 ms": round(miss, 2),
            "storing a page ms": round(storing, 3),
            "served through the outage": f"{served} of {len(uris)}",
            "slowest answer in the outage ms": round(slowest, 1),
        }


def run():
    runs = {"grace (a day)": _one(24 * 3600), "no grace (PAGECACHE_GRACE=0)": _one(0)}
    on, off = runs["grace (a day)"], runs["no grace (PAGECACHE_GRACE=0)"]
    miss_on = on["render (never stored) p50 ms"] + on["storing a page ms"]
    miss_off = off["render (never stored) p50 ms"] + off["storing a page ms"]
    ratios = {
        "memory per page, grace / none": round(
            on["memcached bytes per page"] / off["memcached bytes per page"], 2
        ),
        "hit p50, grace / none": round(on["hit p50 ms"] / off["hit p50 ms"], 3),
        "miss path (render + storing), grace / none": round(miss_on / miss_off, 3),
    }
    return {"runs": runs, "ratios": ratios}
