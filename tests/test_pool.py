"""nginx and the site agree on the memcached server of every key, checked against nginx itself.

Three real memcached behind the stack's real nginx. Every server holds, under each of 10,000
keys, its own address; a request whose key is that key is answered by nginx from the server
its ring picked, so the answer names nginx's choice. The site's ring (sut/pagecache/ring.py,
what it stores on) must name the same server for every key.
"""

import hashlib
import http.client

from pymemcache.client.base import Client

from pagecache.ring import Ring
from stack.local import LocalStack

KEYS = 10_000


def test_the_site_stores_every_key_on_the_server_nginx_reads_it_from(tmp_path):
    with LocalStack(f"sqlite:///{tmp_path / 'db.sqlite3'}", memcached_nodes=3) as stack:
        servers = stack.memcached.split(",")
        keys = {f"/agree/{n}": hashlib.md5(f"localhost/agree/{n}".encode()).hexdigest() for n in range(KEYS)}
        for server in servers:
            host, _, port = server.rpartition(":")
            client = Client((host, int(port)))
            for start in range(0, KEYS, 1000):
                chunk = list(keys.values())[start : start + 1000]
                assert not client.set_many(dict.fromkeys(chunk, server.encode()), noreply=False)
            client.close()
        nginx = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=10)
        chosen = {}
        for uri in keys:
            nginx.request("GET", uri, headers={"Host": "localhost"})
            answer = nginx.getresponse()
            body = answer.read().decode()
            assert (answer.status, answer.getheader("X-Cache-Level")) == (200, "memcached"), (uri, body[:200])
            chosen[uri] = body
        nginx.close()
    ring = Ring(servers)
    disagree = [uri for uri, key in keys.items() if ring.server_for(key) != chosen[uri]]
    assert not disagree, (
        f"{len(disagree)} of {KEYS} keys on another server than nginx reads, e.g. {disagree[:3]}"
    )
    counts = [list(chosen.values()).count(server) for server in servers]
    assert max(counts) / min(counts) <= 1.2, f"keys by server: {counts}"
