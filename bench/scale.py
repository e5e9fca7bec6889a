"""The page cache as the site grows: one tag over 1,000 to 1,000,000 stored pages.

For each size, on the local stack with memcached given MEMORY_MB (nginx's first level off: every
hit is memcached's), the site's own code stores that many pages under one tag
(`renders.Render.store`: lease, page, grace copy and mark, the tag's counter and chunk, the
check, the confirmation), in PROCESSES processes; then every page is looked for (none may be
missing: no purge but an edit's), memcached's bytes are read, wrk asks nginx for pages drawn at
random among them (a miss reaches the app, which answers 404: counted as not a hit), and one
edit's purge of the tag is timed (`purge.purge_tags`), after which none may be left. Then a
render's store against the number of tags it lists.
"""

import hashlib
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.test import override_settings

from bench.grace import memcached_stats
from bench.http import SITE_SETTINGS, wrk
from stack.local import LocalStack
from stack.manage import check as manage

SIZES = (1_000, 10_000, 100_000, 1_000_000)
PAGE_BYTES = 1_000
MEMORY_MB = 6_144
PROCESSES = 2 * (os.cpu_count() or 1)
SLICE = 1000  # pages a worker stores at a time
TTL = 3600  # every page outlives the run (a million take minutes to store)
GRACE = 24 * 3600
TAG_COUNTS = (1, 10, 100)
STORES = 200


def _key(number):
    return hashlib.md5(f"localhost/archive/{number}/".encode()).hexdigest()


def _hits(stack, count, folder):
    """wrk on pages drawn at random among count (the same draws at every size)."""
    script = Path(folder) / "random-pages.lua"
    script.write_text(
        "math.randomseed(1)\n"
        f"request = function() return wrk.format('GET', '/archive/' .. math.random(0, {count - 1}) .. '/',"
        " {Host = 'localhost'}) end\n"
    )
    return wrk(stack.base_url + "/", ["-s", str(script)], misses_allowed=True)


def _store(keys, body, page_tags):
    """How many of the renders did not store their page (memcached did not answer in time, or
    their confirmation came after the provisional lifetime)."""
    from pagecache import renders

    failed = 0
    for key in keys:
        render = renders.Render(key)
        failed += not render.store(body, page_tags, settings.PAGECACHE_TTL)
        render.release()
    return failed


def _fresh_connections():
    """A forked worker's own connections (the parent's are not to be shared)."""
    from pagecache import store

    store._local.__dict__.clear()


def _stored(keys):
    from pagecache import store

    found = 0
    for start in range(0, len(keys), 1000):
        batch = keys[start : start + 1000]
        found += len(store.node_for(batch[0]).get_many(batch) or {})
    return found


def _size(stack, count, folder):
    from pagecache import purge, store

    store.node_for("").client().flush_all(noreply=False)
    keys, body = [_key(number) for number in range(count)], b"x" * PAGE_BYTES
    began = time.monotonic()
    slices = [keys[start : start + SLICE] for start in range(0, count, SLICE)]
    with multiprocessing.get_context("fork").Pool(PROCESSES, initializer=_fresh_connections) as pool:
        failed = sum(pool.starmap(_store, [(part, body, ["post-list"]) for part in slices]))
    storing = time.monotonic() - began
    stored, stats = _stored(keys), memcached_stats(stack)
    hits = _hits(stack, count, folder)
    began = time.monotonic()
    purged = purge.purge_tags(["post-list"])
    purging = time.monotonic() - began
    return {
        "pages": count,
        "renders that stored nothing": failed,
        "stored before the edit": stored,
        "memcached bytes per page": round(int(stats["bytes"]) / count),
        "page bytes": PAGE_BYTES,
        "pages stored per s": round(count / storing),
        "hits per s": round(hits["rps"]),
        "hit p99 ms": hits["p99_ms"],
        "requests not a hit": hits["errors"],
        "purge s": round(purging, 3),
        "pages purged per s": round(purged / purging),
        "left after the edit": _stored(keys),
    }


def _tags_cost():
    """Median ms of a render's store with 1, 10 and 100 tags."""
    from pagecache import store

    costs, body = {}, b"x" * PAGE_BYTES
    for count in TAG_COUNTS:
        store.node_for("").client().flush_all(noreply=False)
        page_tags, timings = [f"tag:{number}" for number in range(count)], []
        for number in range(STORES):
            began = time.perf_counter()
            _store([_key(number)], body, page_tags)
            timings.append(time.perf_counter() - began)
        costs[f"{count} tags ms"] = round(statistics.median(timings) * 1000, 3)
    return costs


def run():
    if not settings.configured:
        settings.configure(**SITE_SETTINGS)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        database = f"sqlite:///{Path(folder) / 'scale.sqlite3'}"
        with (
            LocalStack(database, nginx_options={"l1": False}, memcached_mb=MEMORY_MB) as stack,
            override_settings(PAGECACHE_MEMCACHED=stack.memcached, PAGECACHE_TTL=TTL, PAGECACHE_GRACE=GRACE),
        ):
            manage(stack.app_env(), "migrate", "--noinput")
            rows = []
            for count in SIZES:
                rows.append(_size(stack, count, folder))
                print(f"bench: scale: {count:,} pages: {rows[-1]}", flush=True)
            return {"rows": rows, "render with tags": _tags_cost(), "memory MB": MEMORY_MB}
