"""Grace: pages served through an outage of the app, what a grace copy costs in memory, and the
hit and miss paths with grace copies and without (PAGECACHE_GRACE=0).

Two stacks side by side, one with grace copies, one without; on each PAGES published posts and
the index read once (stored). The hit and miss paths are measured in ROUNDS alternating rounds,
so that the machine's noise falls on both.
The outage: every page's lifetime ended (its key deleted, as memcached does at its TTL) and the
app stopped; every page asked for once. Memory: memcached's `bytes` per page stored. The hit
path: HITS sequential reads of one stored page; the miss path: a page that is never stored,
rendered every time, and what storing a page costs the render (the site's own calls, timed).
Run alone: `python -m bench grace`.
"""

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.test.utils import override_settings
from pymemcache.client.base import Client

from bench.crowds import _reader
from bench.http import SITE_SETTINGS, create_page, published_posts
from bench.pool import _key
from stack.local import LocalStack
from stack.ports import LOOPBACK

PAGES = 40
HITS = 500
MISSES = 50
ROUNDS = 6
STORES = 300


def memcached_stats(stack):
    """memcached's `stats`, names as text."""
    return {k.decode(): v for k, v in Client((LOOPBACK, stack.memcached_port)).stats().items()}


def _read_all(stack, uris):
    return [_reader(stack.web_port, uri)() for uri in uris]


def _hit_p50(stack, uri):
    read = _reader(stack.web_port, uri)
    read()
    return statistics.median(read()[2] for _ in range(HITS)) * 1000


def _storing_ms(stack, grace_seconds):
    """Median ms of the site's calls that store one 20 kB page (lease, page, copies, lists, check)."""
    if not settings.configured:
        settings.configure(**SITE_SETTINGS)
    from pagecache import grace, renders, store

    key = _key("/bench/grace/")
    timings = []
    with override_settings(PAGECACHE_MEMCACHED=stack.memcached, PAGECACHE_GRACE=grace_seconds):
        for _ in range(STORES):
            store.node_for(key).delete_many(grace.all_items(key))  # a page never stored
            began = time.perf_counter()
            render = renders.Render(key)
            render.store(b"x" * 20000, ["post:1"], 300)
            render.release()
            timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


def _outage(stack, uris):
    Client((LOOPBACK, stack.memcached_port)).delete_many([_key(uri) for uri in uris])
    stack.clear_l1()
    stack.stop_program("gunicorn")
    try:
        answers = _read_all(stack, uris)
    finally:
        stack.heal()
    stale = sum(1 for status, cache, _ in answers if status == 200 and cache == "STALE")
    return stale, max(elapsed for _, _, elapsed in answers) * 1000


def _prepare(stack):
    create_page(stack)
    posts = published_posts(stack, "grace", PAGES - 2, body="lorem ipsum " * 1500)
    uris = ["/", "/blog/benchmark/", *posts]
    before = memcached_stats(stack)["bytes"]
    _read_all(stack, uris)
    return uris, (memcached_stats(stack)["bytes"] - before) / len(uris)


def _measure(stacks):
    """Both stacks side by side: the hit and miss paths in alternating rounds, then each outage."""
    rows = {name: {"hits": [], "misses": []} for name in stacks}
    prepared = {name: _prepare(stack) for name, (stack, _) in stacks.items()}
    for round_number in range(ROUNDS):
        for name, (stack, _) in stacks.items():
            rows[name]["hits"].append(_hit_p50(stack, "/blog/benchmark/"))
            misses = [_reader(stack.web_port, f"/?q={round_number}-{n}")()[2] for n in range(MISSES)]
            rows[name]["misses"].append(statistics.median(misses) * 1000)
    results = {}
    for name, (stack, grace_seconds) in stacks.items():
        uris, per_page = prepared[name]
        storing = _storing_ms(stack, grace_seconds)
        served, slowest = _outage(stack, uris)
        results[name] = {
            "pages": len(uris),
            "memcached bytes per page": round(per_page),
            "hit p50 ms": round(statistics.median(rows[name]["hits"]), 3),
            "render (never stored) p50 ms": round(statistics.median(rows[name]["misses"]), 2),
            "storing a page ms": round(storing, 3),
            "served through the outage": f"{served} of {len(uris)}",
            "slowest answer in the outage ms": round(slowest, 1),
        }
    return results


def run():
    scratch = Path(tempfile.mkdtemp(prefix="bench-grace-"))
    on, off = "grace (a day)", "no grace (PAGECACHE_GRACE=0)"
    try:
        with (
            LocalStack(f"sqlite:///{scratch / 'on.sqlite3'}", env={"PAGECACHE_GRACE": "86400"}) as with_grace,
            LocalStack(f"sqlite:///{scratch / 'off.sqlite3'}", env={"PAGECACHE_GRACE": "0"}) as without,
        ):
            runs = _measure({on: (with_grace, 86400), off: (without, 0)})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    with_, none = runs[on], runs[off]
    miss_on = with_["render (never stored) p50 ms"] + with_["storing a page ms"]
    miss_off = none["render (never stored) p50 ms"] + none["storing a page ms"]
    ratios = {
        "memory per page, grace / none": round(
            with_["memcached bytes per page"] / none["memcached bytes per page"], 2
        ),
        "hit p50, grace / none": round(with_["hit p50 ms"] / none["hit p50 ms"], 3),
        "miss path (render + storing), grace / none": round(miss_on / miss_off, 3),
    }
    return {"runs": runs, "ratios": ratios}
