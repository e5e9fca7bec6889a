"""The suite's own view of memcached: nginx's key computed here, entries read raw."""

import hashlib

from pymemcache.client.base import Client


def client(address):
    host, _, port = address.rpartition(":")
    return Client((host, int(port)), connect_timeout=2, timeout=2)


def nginx_key(host, uri):
    """md5 of `$host$request_uri` as nginx computes it: the host lowercased, without its port."""
    host = host.rsplit(":", 1)[0].lower()
    return hashlib.md5((host + uri).encode("utf-8")).hexdigest()


def read(address, key):
    with_client = client(address)
    try:
        return with_client.get(key)
    finally:
        with_client.close()


def remaining_ttl(address, key):
    """Seconds until the entry expires (-1: never), from memcached's meta command `mg <key> t`."""
    with_client = client(address)
    try:
        reply = with_client.raw_command(f"mg {key} t".encode(), b"\r\n").decode()
    finally:
        with_client.close()
    if not reply.startswith("HD"):
        return None
    return int(reply.split(" t", 1)[1].split()[0])


def flush(address):
    with_client = client(address)
    try:
        with_client.flush_all(noreply=False)
    finally:
        with_client.close()
