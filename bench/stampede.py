"""Renders per cold burst: 50 readers ask at once for a page that is not stored."""

import http.client

from bench.http import PAGE, create_page
from stack.burst import at_once
from stack.local import LocalStack
from stack.ports import LOOPBACK

READERS = 50


def _burst(port, uri):
    def reader():
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        connection.request("GET", uri, headers={"Host": "localhost"})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status, response.getheader("X-Cache")

    answers = at_once(READERS, reader)
    assert all(status == 200 for status, _ in answers), answers
    return sum(1 for _, cache in answers if cache == "MISS")


def run(database_url, bursts=5):
    """Renders per burst, each burst on a page never asked for before."""
    results = {}
    setups = (("with the L1 lock", {}), ("without L1 (memcached_pass alone)", {"l1_seconds": 0}))
    for index, (name, options) in enumerate(setups):
        with LocalStack(database_url, nginx_options=options) as stack:
            if index == 0:
                create_page(stack)
            results[name] = [_burst(stack.web_port, f"{PAGE}?burst={name[:4]}{i}") for i in range(bursts)]
    return {"readers": READERS, "renders per burst": results}
