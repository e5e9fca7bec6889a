"""The hit ratio at a fixed memory: readers who ask for popular pages most (a Zipf law), this
stack against Varnish with the same memory for its objects.

PAGES posts of about PAGE_BYTES; REQUESTS addresses drawn from a Zipf law of exponent EXPONENT
(the k-th most popular page asked for in proportion to 1/k^EXPONENT), the same sequence for
both, asked by READERS readers at once, from cold. memcached gets MEMORY_MB (`-m`, the stack's
`-M`: full, it refuses a store), Varnish `-s malloc,MEMORY_MB`. A hit: `X-Cache: HIT` or `STALE`
from this stack (nginx's first level or memcached), two transaction ids in `X-Varnish`.
"""

import http.client
import itertools
import random
import tempfile
import threading
from pathlib import Path

from bench.http import published_posts, varnish
from stack.local import LocalStack
from stack.manage import check as manage
from stack.ports import LOOPBACK

PAGES = 2_000
PAGE_BYTES = 10_000
REQUESTS = 6_000
EXPONENT = 1.0
READERS = 4
MEMORY_MB = 16


def addresses(uris):
    draw = random.Random(REQUESTS)
    weights = list(itertools.accumulate(1 / rank**EXPONENT for rank in range(1, len(uris) + 1)))
    return draw.choices(uris, cum_weights=weights, k=REQUESTS)


def _ask(port, uris, is_hit):
    """How many of uris were hits, asked one after another on one connection."""
    connection, hits = http.client.HTTPConnection(LOOPBACK, port, timeout=30), 0
    for uri in uris:
        connection.request("GET", uri, headers={"Host": "localhost"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{uri}: {response.status}")
        hits += is_hit(response)
    connection.close()
    return hits


def hit_ratio(port, sequence, is_hit):
    counts = [0] * READERS

    def reader(number):
        counts[number] = _ask(port, sequence[number::READERS], is_hit)

    readers = [threading.Thread(target=reader, args=(number,)) for number in range(READERS)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join()
    return sum(counts) / len(sequence)


def _ours(response):
    return response.getheader("X-Cache") in ("HIT", "STALE")


def _varnish(response):
    return len(response.getheader("X-Varnish", "").split()) == 2


def run():
    with tempfile.TemporaryDirectory(prefix="bench-zipf-") as folder:
        database = f"sqlite:///{Path(folder) / 'zipf.sqlite3'}"
        with LocalStack(database, memcached_mb=MEMORY_MB) as stack:
            manage(stack.app_env(), "migrate", "--noinput")
            manage(stack.app_env(), "shell", "-c", "from django.contrib.auth.models import User;"
                   "User.objects.create(username='bench')")  # fmt: skip
            uris = published_posts(stack, "zipf", PAGES, body="lorem ipsum " * (PAGE_BYTES // 12))
            sequence = addresses(uris)
            ceiling = 1 - len(set(sequence)) / len(sequence)
            ours = hit_ratio(stack.web_port, sequence, _ours)
            cache, url = varnish(Path(folder), stack.app_port, memory=f"{MEMORY_MB}m")
            try:
                port = int(url.split(":")[2].split("/")[0])
                theirs = hit_ratio(port, sequence, _varnish)
            finally:
                cache.stop()
    return {
        "pages": PAGES,
        "requests": REQUESTS,
        "memory MB": MEMORY_MB,
        "hit ratio, unbounded memory (a page's first request the only miss)": round(ceiling, 3),
        "hit ratio, this stack": round(ours, 3),
        "hit ratio, Varnish": round(theirs, 3),
        "this stack / Varnish": round(ours / theirs, 3),
    }
