"""The suite's own view of memcached: nginx's key computed here, entries read raw."""

import hashlib
import re
import socket
from contextlib import contextmanager
from urllib.parse import unquote

from pymemcache.client.base import Client


def client(address):
    host, _, port = address.rpartition(":")
    return Client((host, int(port)), connect_timeout=2, timeout=2)


PAGE_KEY = re.compile(r"^[0-9a-f]{32}$")


def nginx_host(host):
    """`$host` as nginx makes it from a Host header: no port, no trailing dot, lowercased."""
    host = host.rsplit(":", 1)[0].lower()
    return host[:-1] if host.endswith(".") else host


def nginx_key(host, uri):
    """md5 of `$host$request_uri`, as nginx computes it."""
    return hashlib.md5((nginx_host(host) + uri).encode("utf-8")).hexdigest()


def servers(address):
    """The servers of an address: one host:port, or a pool's, comma-separated."""
    return address.split(",")


def all_keys(address):
    """Every key memcached holds now, on every server (`lru_crawler metadump all`, memcached 1.6)."""
    return [key for server in servers(address) for key in _keys_on(server)]


def _keys_on(server):
    host, _, port = server.rpartition(":")
    data = b""
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"lru_crawler metadump all\r\n")
        while not (data.endswith(b"END\r\n") or data.startswith((b"ERROR", b"BUSY"))):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.endswith(b"END\r\n"), f"memcached would not list its keys: {data[:80]!r}"
    return [unquote(line.split()[0][4:]) for line in data.decode().splitlines() if line.startswith("key=")]


def page_keys(address):
    """The keys of stored pages: nginx's keys are md5 hex digests."""
    return [key for key in all_keys(address) if PAGE_KEY.match(key)]


@contextmanager
def connected(server):
    """A client of one memcached server, closed after use."""
    memcached = client(server)
    try:
        yield memcached
    finally:
        memcached.close()


def get_many(address, keys):
    """The keys found on any server, with their values."""
    found = {}
    for server in servers(address):
        with connected(server) as memcached:
            for start in range(0, len(keys), 100):
                found.update(memcached.get_many(keys[start : start + 100]))
    return found


def holders(address, key):
    """The servers that hold key, with what they hold."""
    found = {}
    for server in servers(address):
        with connected(server) as memcached:
            value = memcached.get(key)
        if value is not None:
            found[server] = value
    return found


def read(address, key):
    """The page stored under key, wherever it is; a page on two servers of a pool is a bug."""
    found = holders(address, key)
    assert len(found) <= 1, f"{key} is stored on {len(found)} servers: {sorted(found)}"
    return next(iter(found.values()), None)


def delete(address, key, only=None):
    """Delete (on every server, or only on those given) and wait for memcached's answer: a
    no-reply delete can land after the next read."""
    for server in only or servers(address):
        with connected(server) as memcached:
            memcached.delete(key, noreply=False)


def copies(key):
    """The items a render stores for a page: the page, its validity mark and its grace copy
    (sut/pagecache/grace.py)."""
    return [key, f"pagecache:valid:{key}", f"pagecache:grace:{key}"]


def forget(address, key, only=None):
    """What a memcached that lost a page no longer holds: each of its copies."""
    for item in copies(key):
        delete(address, item, only)


def remaining_ttl(address, key):
    """Seconds until the entry expires (-1: never), from memcached's meta command `mg <key> t`."""
    for server in holders(address, key):
        with connected(server) as memcached:
            reply = memcached.raw_command(f"mg {key} t".encode(), b"\r\n").decode()
        if reply.startswith("HD"):
            return int(reply.split(" t", 1)[1].split()[0])
    return None


def tag_lists(address):
    """Every tag list, by (server, key): a pool keeps a list on each server that holds a page."""
    lists = {}
    for server in servers(address):
        keys = [key for key in _keys_on(server) if key.startswith("pagecache:tag:")]
        with connected(server) as memcached:
            lists.update({(server, key): value for key, value in memcached.get_many(keys).items()})
    return lists


def flush(address):
    for server in servers(address):
        with connected(server) as memcached:
            memcached.flush_all(noreply=False)
