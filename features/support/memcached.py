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


def all_keys(address):
    """Every key memcached holds now (`lru_crawler metadump all`, memcached 1.6)."""
    host, _, port = address.rpartition(":")
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
def connected(address):
    """A client of memcached at address, closed after use."""
    memcached = client(address)
    try:
        yield memcached
    finally:
        memcached.close()


def read(address, key):
    with connected(address) as memcached:
        return memcached.get(key)


def delete(address, key):
    """Delete and wait for memcached's answer (a no-reply delete can land after the next read)."""
    with connected(address) as memcached:
        memcached.delete(key, noreply=False)


def remaining_ttl(address, key):
    """Seconds until the entry expires (-1: never), from memcached's meta command `mg <key> t`."""
    with connected(address) as memcached:
        reply = memcached.raw_command(f"mg {key} t".encode(), b"\r\n").decode()
    if not reply.startswith("HD"):
        return None
    return int(reply.split(" t", 1)[1].split()[0])


def flush(address):
    with connected(address) as memcached:
        memcached.flush_all(noreply=False)
