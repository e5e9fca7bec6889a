"""Failed logins counted per client: past LOGIN_FAILURES_ALLOWED in LOGIN_FAILURE_WINDOW seconds,
the client's logins are answered 429 with Retry-After until the window ends.

A failed login costs a password hash (0.5 to 0.9 s of CPU with Django's PBKDF2 here): one client
posting wrong passwords in a loop takes the app's workers from every reader. A refused login
costs a memcached round trip and no hash, right password or wrong. The count lives in memcached
(on the ring's node for its key), created with the window as its lifetime: a fixed window that
starts at the client's first failure. The client is nginx's $remote_addr, which nginx always
sends in X-Forwarded-For (no client can set it). memcached down: nothing is counted, and
logins are not limited (the site stays usable; the limit comes back with memcached).
"""

from django.conf import settings

from pagecache import store

PREFIX = "accounts:login-failures:"


def _key(request):
    client = request.META.get("HTTP_X_FORWARDED_FOR") or request.META.get("REMOTE_ADDR", "")
    return PREFIX + client.split(",")[-1].strip().replace(" ", "")


def blocked(request):
    """Whether this client has used up its failed logins for the window."""
    key = _key(request)
    found = store.node_for(key).get(key)
    return found is not None and int(found) >= settings.LOGIN_FAILURES_ALLOWED


def failed(request):
    """Count one failed login of this client."""
    key = _key(request)
    node = store.node_for(key)
    if node.incr(key) is None and not node.add(key, b"1", settings.LOGIN_FAILURE_WINDOW):
        node.incr(key)
