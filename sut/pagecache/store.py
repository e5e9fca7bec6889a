"""memcached access for the page cache: short timeouts, and never an error that breaks a page.

PAGECACHE_MEMCACHED names one server or a pool (`host:port,host:port,...`). Each server is a
Node, a cache of its own: a page, its lease, the tag lists naming it and the purge generation
that guards it all live on the node nginx's ring gives the page's key (node_for), so a page and
what purges it succeed or fail together; purges visit every node (nodes()).
"""

import functools
import logging
import threading
import time

from django.conf import settings
from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheUnexpectedCloseError

from pagecache.ring import Ring, parse

log = logging.getLogger("pagecache")
_local = threading.local()

# A connection memcached closed since its last use (memcached restarted) fails at once; one
# retry on a new connection makes the first request after a restart store its page as usual.
STALE_CONNECTION = (MemcacheUnexpectedCloseError, BrokenPipeError, ConnectionResetError)
EVICTIONS_RECHECK = 60.0


class Unavailable(RuntimeError):
    """memcached did not confirm an operation (refused, timed out, out of memory): try again later."""


@functools.lru_cache(maxsize=8)
def _pool(setting):
    servers = parse(setting)
    return Ring(servers), {server: Node(server) for server in servers}


def nodes():
    """Every server of the pool, in the order configured."""
    return list(_pool(settings.PAGECACHE_MEMCACHED)[1].values())


def node_for(key):
    """The server nginx reads key from, and so the one it is stored on."""
    ring, by_server = _pool(settings.PAGECACHE_MEMCACHED)
    return by_server[ring.server_for(key)]


class Node:
    """One memcached server; every call answers a default instead of raising."""

    def __init__(self, server):
        self.server = server
        host, _, port = server.rpartition(":")
        self.address = (host.strip("[]"), int(port))
        self._last_warning = 0.0
        self._evictions = (None, -EVICTIONS_RECHECK)  # evictions on, when checked

    def client(self):
        """One connection per thread and server."""
        clients = _local.__dict__.setdefault("clients", {})
        current = clients.get(self.server)
        if current is None:
            timeout = settings.PAGECACHE_TIMEOUT
            current = Client(self.address, connect_timeout=timeout, timeout=timeout, no_delay=True)
            clients[self.server] = current
        return current

    def guarded(self, operation, default):
        try:
            return self.confirmed(operation)
        except Unavailable:  # memcached down, hung or refusing: the page is served anyway
            return default

    def confirmed(self, operation):
        """operation(client)'s answer; Unavailable when memcached did not give one (the purger's way)."""
        try:
            try:
                return operation(self.client())
            except STALE_CONNECTION:
                self.client().close()
                return operation(self.client())
        except Exception as error:
            self._warn(error)
            # A command that timed out may still run when memcached wakes: a new connection
            # never reads its late answer as another command's.
            self.client().close()
            raise Unavailable(f"memcached {self.server}: {error}") from error

    def _warn(self, error):
        """One warning a second at most: a down memcached fails every call, every request."""
        now = time.monotonic()
        if now - self._last_warning >= 1.0:
            self._last_warning = now
            log.warning("memcached unavailable (%s): %s", self.server, error)

    def set_provisional(self, items, seconds):
        """Store raw bytes (flags 0, as nginx serves them) for seconds; {key: cas token} of each
        one memcached took, None when it did not take them all.

        A store whose answer never came may still be applied when memcached wakes: it then lives
        these seconds at most, unless confirm() makes it last (pagecache.renders).
        """

        def run(client):
            tokens = {}
            for key, value in items.items():
                head = f"ms {key} {len(value)} T{seconds} c\r\n".encode("ascii")
                answer = client.raw_command(head + value, b"\r\n")
                if not answer.startswith(b"HD"):
                    return None
                tokens[key] = int(answer.split(b" c", 1)[1].split()[0])
            return tokens

        return self.guarded(run, None)

    def confirm(self, key, value, token, ttl):
        """Give a stored item its lifetime, only if it is still the one stored with token
        (compare-and-swap): never another render's, never one purged since."""
        return self.guarded(lambda c: c.cas(key, value, token, expire=ttl, noreply=False), False)

    def get(self, key):
        return self.guarded(lambda c: c.get(key), None)

    def get_many(self, keys):
        """The keys found, as a dict; None when memcached does not answer."""
        return self.guarded(lambda c: c.get_many(keys), None)

    def add(self, key, value, ttl):
        """Store value only if key holds nothing; True when this call stored it."""
        return self.guarded(lambda c: c.add(key, value, expire=ttl, noreply=False), False)

    def incr(self, key):
        """Add one to a counter; None when it does not exist (or memcached does not answer)."""
        return self.guarded(lambda c: c.incr(key, 1, noreply=False), None)

    def delete(self, key, wait=True):
        return self.guarded(lambda c: c.delete(key, noreply=not wait), False)

    def delete_many(self, keys):
        return self.guarded(lambda c: c.delete_many(list(keys), noreply=False), False)

    def count(self, key, ttl):
        """A counter's next value (0 first: created with lifetime ttl, renewed to ttl each time),
        in one command; None when memcached does not answer or refuses (full)."""

        def run(client):
            answer = client.raw_command(f"ma {key} N{ttl} J0 T{ttl} v\r\nmn".encode("ascii"), b"MN\r\n")
            if not answer.startswith(b"VA "):
                return None
            return int(answer.split(b"\r\n")[1])

        return self.guarded(run, None)

    def append(self, key, value, ttl):
        """Append to a list kept as a string, its lifetime renewed to ttl; create it if missing."""

        def run(c):
            if c.append(key, value, noreply=False):
                c.touch(key, expire=ttl, noreply=False)
                return True
            return c.add(key, value, expire=ttl, noreply=False) or c.append(key, value, noreply=False)

        return self.guarded(run, False)

    def never_evicts(self):
        """True when this memcached runs with -M: it refuses a store rather than drop another item.

        A memcached that evicts may drop a tag list before the pages it names, which then no
        purge could reach; the page cache stores nothing there (and says so once a minute).
        """
        evicts, checked = self._evictions
        now = time.monotonic()
        if evicts is None or now - checked >= EVICTIONS_RECHECK:
            reported = self.guarded(lambda c: c.stats("settings"), None)
            if reported is None:
                return False
            evicts = reported.get(b"evictions") != b"off"
            self._evictions = (evicts, now)
            if evicts:
                log.warning("memcached at %s evicts items: start it with -M; no page is stored", self.server)
        return not evicts
