"""memcached access for the page cache: short timeouts, and never an error that breaks a page."""

import logging
import threading
import time

from django.conf import settings
from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheUnexpectedCloseError

log = logging.getLogger("pagecache")
_local = threading.local()


def _server():
    host, _, port = settings.PAGECACHE_MEMCACHED.rpartition(":")
    return host.strip("[]"), int(port)


def client():
    """One connection per thread, re-made if the configured address changes."""
    server = _server()
    current = getattr(_local, "client", None)
    if current is None or current.server != server:
        timeout = settings.PAGECACHE_TIMEOUT
        current = Client(server, connect_timeout=timeout, timeout=timeout, no_delay=True)
        _local.client = current
    return current


# A connection memcached closed since its last use (memcached restarted) fails at once; one
# retry on a new connection makes the first request after a restart store its page as usual.
STALE_CONNECTION = (MemcacheUnexpectedCloseError, BrokenPipeError, ConnectionResetError)


def _guarded(operation, default):
    try:
        try:
            return operation()
        except STALE_CONNECTION:
            client().close()
            return operation()
    except Exception as error:  # memcached down, hung or refusing: the page is served anyway
        _warn(error)
        client().close()
        return default


_last_warning = [0.0]


def _warn(error):
    """One warning a second at most: a down memcached fails every call, every request."""
    now = time.monotonic()
    if now - _last_warning[0] >= 1.0:
        _last_warning[0] = now
        log.warning("memcached unavailable (%s): %s", settings.PAGECACHE_MEMCACHED, error)


def set_page(key, body, ttl):
    """Store raw bytes (flags 0) that nginx serves as they are; True when memcached took them."""
    return _guarded(lambda: client().set(key, body, expire=ttl, noreply=False), False)


def get(key):
    return _guarded(lambda: client().get(key), None)


def get_many(keys):
    """The keys found, as a dict; None when memcached does not answer."""
    return _guarded(lambda: client().get_many(keys), None)


def add(key, value, ttl):
    """Store value only if key holds nothing; True when this call stored it."""
    return _guarded(lambda: client().add(key, value, expire=ttl, noreply=False), False)


def incr(key):
    """Add one to a counter; None when it does not exist (or memcached does not answer)."""
    return _guarded(lambda: client().incr(key, 1, noreply=False), None)


def delete(key, wait=True):
    return _guarded(lambda: client().delete(key, noreply=not wait), False)


_evictions = {}  # server: (evictions on, when checked)
EVICTIONS_RECHECK = 60.0


def never_evicts():
    """True when memcached runs with -M: it refuses a store rather than drop another item.

    A memcached that evicts may drop a tag list before the pages it names, which then no purge
    could reach; the page cache stores nothing there (and says so once a minute).
    """
    server, now = _server(), time.monotonic()
    evicts, checked = _evictions.get(server, (None, -EVICTIONS_RECHECK))
    if evicts is None or now - checked >= EVICTIONS_RECHECK:
        reported = _guarded(lambda: client().stats("settings"), None)
        if reported is None:
            return False
        evicts = reported.get(b"evictions") != b"off"
        _evictions[server] = (evicts, now)
        if evicts:
            log.warning("memcached at %s evicts items: start it with -M; no page is stored", server)
    return not evicts


def append(key, value, ttl):
    """Append to a list kept as a string; create it if it does not exist yet."""

    def run():
        c = client()
        if c.append(key, value, noreply=False):
            c.touch(key, expire=ttl, noreply=False)
            return True
        return c.add(key, value, expire=ttl, noreply=False) or c.append(key, value, noreply=False)

    return _guarded(run, False)


def delete_many(keys):
    return _guarded(lambda: client().delete_many(list(keys), noreply=False), False)
