"""Readers' requests to the stack, recorded for the evidence of a failure.

An anonymous reader's request goes out byte for byte as written, through http.client:
requests rewrites URIs before sending (`%7e` becomes `~`, `/a/../b` becomes `/b`, a bare `?`
is dropped), and nginx's key is over the URI exactly as sent. A logged-in reader over HTTP
uses a requests session, which keeps its cookies as a browser does.
"""

import http.client
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

from stack.burst import at_once


@dataclass
class Response:
    method: str
    uri: str
    host: str
    status: int
    headers: object  # http.client's message or requests' headers: both have get()
    body: bytes
    elapsed: float
    request_headers: list = field(default_factory=list)  # (name, value) pairs, as sent

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def describe(self):
        sent = "".join(f"> {k}: {v}\n" for k, v in self.request_headers)
        got = "".join(f"< {k}: {v}\n" for k, v in self.headers.items())
        return (
            f"{self.method} {self.uri} (Host: {self.host})\n{sent}"
            f"< {self.status} in {self.elapsed * 1000:.0f} ms\n{got}\n{self.text[:2000]}"
        )


def request(context, uri, method="GET", host=None, headers=None, body=None, timeout=10):
    """Send one request to nginx, the URI exactly as written, and record it.

    headers: a dict, or (name, value) pairs when a name is sent twice.
    """
    parts = urlsplit(context.stack.base_url)
    extra = list(headers.items() if isinstance(headers, dict) else headers or [])
    sent = [("Host", host or context.stack.host), ("Connection", "close"), *extra]
    if body is not None and "content-type" not in {name.lower() for name, _ in sent}:
        sent.append(("Content-Type", "application/x-www-form-urlencoded"))
    uri = as_sent(uri)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    began = time.monotonic()
    try:
        connection.putrequest(method, uri, skip_host=True, skip_accept_encoding=True)
        for name, value in sent:
            connection.putheader(name, value)
        payload = body.encode() if isinstance(body, str) else body
        if payload is not None:
            connection.putheader("Content-Length", str(len(payload)))
        connection.endheaders(payload)
        reply = connection.getresponse()
        content = reply.read()
    finally:
        connection.close()
    elapsed = time.monotonic() - began
    return record(
        context, Response(method, uri, sent[0][1], reply.status, reply.headers, content, elapsed, sent)
    )


def over_session(context, session, uri, method="GET", data=None):
    """A request of a reader with a session (a requests.Session keeps the cookies); recorded."""
    host = context.stack.host
    reply = session.request(method, context.stack.base_url + uri, data=data, headers={"Host": host},
                            allow_redirects=False, timeout=10)  # fmt: skip
    sent = list(reply.request.headers.items())
    elapsed = reply.elapsed.total_seconds()
    return record(
        context, Response(method, uri, host, reply.status_code, reply.headers, reply.content, elapsed, sent)
    )


def assert_served_from(response, level):
    """The response is a hit from that cache level (X-Cache-Level: memcached, l1 or app)."""
    cache, served_by = response.header("X-Cache"), response.header("X-Cache-Level")
    assert response.status == 200, f"{response.uri}: expected a stored page, got status {response.status}"
    assert (cache, served_by) == ("HIT", level), (
        f"{response.uri} was not served from {level}: X-Cache={cache!r}, X-Cache-Level={served_by!r}"
    )


def assert_rendered(response):
    """The response is a page Django rendered (X-Cache: MISS)."""
    cache = response.header("X-Cache")
    assert (response.status, cache) == (200, "MISS"), (
        f"{response.uri}: expected a page rendered by Django, got status {response.status}, X-Cache={cache!r}"
    )


def record(context, response):
    state = getattr(context, "state", None)  # a request made outside a scenario's steps keeps nothing
    if state is not None:
        state.responses = [*state.responses[-4:], response]
    return response


def as_sent(uri):
    """The URI as a browser sends it: non-ASCII characters percent-encoded as UTF-8, nothing else touched."""
    return "".join(c if ord(c) < 128 else quote(c, safe="") for c in uri)


def form_token(html):
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the page has no CSRF token in its form"
    return match.group(1)


def many(context, uris, clients=8):
    """Each of the uris asked once, by `clients` clients at a time; the responses in order."""
    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(lambda uri: request(SimpleNamespace(stack=context.stack), uri), uris))
    record(context, answers[-1])
    return answers


def burst(context, uri, count):
    """count readers asking for uri at the same moment; their responses."""
    answers = at_once(count, lambda: request(SimpleNamespace(stack=context.stack), uri, timeout=30))
    record(context, answers[-1])
    return answers


# Scheduling slack on top of a promised bound (the bound itself is in the feature's words).
GRACE = 0.25


def on_host(context, host):
    """A Host header naming host, with the port readers use (if any)."""
    port = urlsplit(context.stack.base_url).port
    return f"{host}:{port}" if port else host


def ask_until(context, seconds, uri, check, what, since=None, host=None):
    """Ask for uri (on host: a Host header) until check(response) holds or the time is up (the
    bound a spec promises), counted from now or from since (a time.monotonic() the scenario recorded)."""
    deadline = (since or time.monotonic()) + seconds + GRACE
    while True:
        response = request(context, uri, host=host)
        if check(response):
            return response
        if time.monotonic() > deadline:
            raise AssertionError(
                f"after {seconds} s, {uri} still does not {what}: status {response.status}, "
                f"X-Cache {response.header('X-Cache')}, text: {response.text[:300]}"
            )
        time.sleep(0.05)  # a reader asking again, not a wait for the system
