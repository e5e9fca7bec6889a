"""Which memcached of a pool holds a key: the ring nginx builds for `hash $page_key consistent`.

nginx reads a page from the server its ring names for the key, so the site must store it on
that very server, or every reader misses. This is nginx's ring, point for point
(ngx_http_upstream_hash_module, the ketama-compatible one of Cache::Memcached::Fast): each
server, written `host:port` exactly as in nginx's upstream block, gets 160 points, point j
being crc32(host, "\\0", port, point j-1 as four little-endian bytes); the points sorted (the
first of equal hashes kept); a key goes to the first point at or after crc32(key), around the
ring. tests/test_pool.py checks it against nginx itself, key by key.
"""

import bisect
import re
import struct
import zlib

# nginx gives a server weight × 160 points. At weight 1, three servers' shares of 10,000 keys
# differ by up to 1.36× (over random ports); at 8, by up to 1.16×. nginx's upstream lists every
# memcached with this weight (stack/nginx.py).
WEIGHT = 8
POINTS_PER_SERVER = 160 * WEIGHT
SERVER = re.compile(r"^(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d{1,5})$")


class BadServerList(ValueError):
    """MEMCACHED is not a comma-separated list of distinct host:port."""


def parse(text):
    """The servers of a comma-separated `host:port` list, in order; BadServerList says what is wrong."""
    servers = [part.strip() for part in (text or "").split(",")]
    if servers == [""]:
        raise BadServerList("no memcached server given: expected host:port[,host:port...]")
    for server in servers:
        found = SERVER.match(server)
        if not found or not 0 < int(found["port"]) < 65536:
            raise BadServerList(f"{server!r} is not host:port (in {text!r})")
    duplicates = sorted({server for server in servers if servers.count(server) > 1})
    if duplicates:
        raise BadServerList(f"{', '.join(duplicates)} listed twice (in {text!r})")
    return servers


class Ring:
    """The servers' points on nginx's ring; server_for(key) is the server nginx reads key from."""

    def __init__(self, servers):
        self.servers = list(servers)
        points = []
        for server in self.servers:
            host, _, port = server.rpartition(":")  # nginx splits at the last colon
            base = host.encode() + b"\0" + port.encode()
            previous = 0
            for _ in range(POINTS_PER_SERVER):
                previous = zlib.crc32(base + struct.pack("<I", previous))
                points.append((previous, server))
        points.sort(key=lambda point: point[0])
        kept = [point for i, point in enumerate(points) if i == 0 or point[0] != points[i - 1][0]]
        self.hashes = [hash_ for hash_, _ in kept]
        self.owners = [server for _, server in kept]

    def server_for(self, key):
        if len(self.servers) == 1:
            return self.servers[0]
        point = bisect.bisect_left(self.hashes, zlib.crc32(key.encode() if isinstance(key, str) else key))
        return self.owners[point % len(self.owners)]
