"""nginx's cache key, byte for byte: md5 of `$host$request_uri`."""

import hashlib
from urllib.parse import quote

_ASCII_UPPER_TO_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def nginx_host(host_header):
    """`$host` from a Host header as nginx makes it: no port, no trailing dot, ASCII lowercased."""
    host = host_header.strip()
    if host.startswith("["):  # an IPv6 literal keeps its brackets, loses its port
        host = host[: host.index("]") + 1] if "]" in host else ""
    else:
        host = host.rsplit(":", 1)[0]
        host = host[:-1] if host.endswith(".") else host
    return host.translate(_ASCII_UPPER_TO_LOWER)


def request_uri(environ):
    """`$request_uri`: the URI of the request line as the client sent it, query string included.

    gunicorn passes it as RAW_URI (uWSGI and others as REQUEST_URI). Elsewhere (the test client)
    it is rebuilt from the path and query string, which is exact for URIs already in normal form.
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "/")
    uri = quote(path.encode("latin-1"), safe="/:@!$&'()*+,;=~-._")
    query = environ.get("QUERY_STRING", "")
    return f"{uri}?{query}" if query else uri


def page_key(host, uri):
    """The memcached key of a page: md5 hex of host + URI, over the bytes nginx sees."""
    # WSGI strings carry raw bytes as latin-1 code points: encode them back unchanged.
    return hashlib.md5((host + uri).encode("latin-1")).hexdigest()


def key_for_request(request):
    return page_key(nginx_host(request.META.get("HTTP_HOST", "")), request_uri(request.META))
