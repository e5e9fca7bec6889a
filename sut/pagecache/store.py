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
