"""Crowds: readers arriving at the same moment, at pages stored and never stored.

For each kind of page, bursts of readers ask at once; each reader's latency is measured from
its own request. A cold page (one never asked for) must cost at most 2 renders per burst of 50,
and no reader of any burst may wait much longer than one render.
"""

import http.client
import statistics
import time

from bench.http import create_page, published_posts
from stack.burst import at_once
from stack.local import LocalStack
from stack.ports import LOOPBACK

BURSTS = 5
COLD_READERS = 50
READERS = 30


def _reader(port, uri):
    def read():
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        began = time.monotonic()
        connection.request("GET", uri, headers={"Host": "localhost"})
        response = connection.getresponse()
        response.read()
        elapsed = time.monotonic() - began
        connection.close()
        return response.status, response.getheader("X-Cache"), elapsed

    return read


def _bursts(port, uris, readers):
    """Median and slowest latency over every reader of every burst, and renders per burst."""
    latencies, renders, statuses = [], [], set()
    for uri in uris:
        answers = at_once(readers, _reader(port, uri))
        statuses |= {status for status, _, _ in answers}
        latencies += [elapsed for _, _, elapsed in answers]
        renders.append(sum(1 for _, cache, _ in answers if cache == "MISS"))
    return {
        "readers": readers,
        "statuses": sorted(statuses),
        "median_ms": round(statistics.median(latencies) * 1000, 1),
        "slowest_ms": round(max(latencies) * 1000, 1),
        "renders per burst": renders,
    }


def run(database_url):
    """The crowds of the README's table, on the stack as the suite runs it."""
    with LocalStack(database_url) as stack:
        create_page(stack)
        cold = published_posts(stack, "cold", BURSTS, body="lorem ipsum " * 1500)
        port = stack.web_port
        return {
            "a cold page that will be stored": _bursts(port, cold, COLD_READERS),
            "/login/ (never stored)": _bursts(port, ["/login/"] * BURSTS, READERS),
            "a missing page (404, never stored)": _bursts(port, ["/blog/no-such-post/"] * BURSTS, READERS),
        }
