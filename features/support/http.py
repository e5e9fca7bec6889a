"""Readers' requests to the stack, sent byte for byte as written.

http.client, not requests: requests rewrites URIs before sending (`%7e` becomes `~`, `/a/../b`
becomes `/b`, a bare `?` is dropped), and nginx's key is over the URI exactly as sent.
"""

import http.client
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import quote, urlsplit


@dataclass
class Response:
    method: str
    uri: str
    host: str
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed: float
    request_headers: dict = field(default_factory=dict)

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def describe(self):
        sent = "".join(f"> {k}: {v}\n" for k, v in self.request_headers.items())
        got = "".join(f"< {k}: {v}\n" for k, v in self.headers.items())
        return (
            f"{self.method} {self.uri} (Host: {self.host})\n{sent}"
            f"< {self.status} in {self.elapsed * 1000:.0f} ms\n{got}\n{self.text[:2000]}"
        )


def request(
    context, uri, method="GET", host=None, headers=None, body=None, base_url=None, timeout=10, cookies=None
):
    """Send one request to nginx (or base_url) and record it for the evidence of a failure.

    cookies, a dict, is sent and then updated from the response's Set-Cookie headers.
    """
    parts = urlsplit(base_url or context.stack.base_url)
    host = host if host is not None else (context.stack.host if base_url is None else parts.netloc)
    sent = {"Host": host, "Connection": "close", **(headers or {})}
    if cookies:
        sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    if body is not None and "Content-Type" not in sent:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    uri = as_sent(uri)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    began = time.monotonic()
    try:
        connection.putrequest(method, uri, skip_host=True, skip_accept_encoding=True)
        for name, value in sent.items():
            connection.putheader(name, value)
        payload = body.encode() if isinstance(body, str) else body
        if payload is not None:
            connection.putheader("Content-Length", str(len(payload)))
        connection.endheaders(payload)
        reply = connection.getresponse()
        content = reply.read()
    finally:
        connection.close()
    response = Response(
        method, uri, host, reply.status, reply.headers, content, time.monotonic() - began, sent
    )
    if cookies is not None:
        remember_cookies(cookies, reply.headers.get_all("Set-Cookie") or [])
    context.responses = [*getattr(context, "responses", [])[-4:], response]
    return response


def as_sent(uri):
    """The URI as a browser sends it: non-ASCII characters percent-encoded as UTF-8, nothing else touched."""
    return "".join(c if ord(c) < 128 else quote(c, safe="") for c in uri)


def remember_cookies(jar, set_cookie_headers):
    """Update a cookie jar (a dict) as a browser would from Set-Cookie headers."""
    for header in set_cookie_headers:
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0" or morsel.value in ("", '""'):
                jar.pop(name, None)  # Django deletes a cookie with an empty value and Max-Age=0
            else:
                jar[name] = morsel.value


def form_token(html):
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the page has no CSRF token in its form"
    return match.group(1)


def burst(context, uri, count):
    """count readers asking for uri at the same moment (a thread each, released together)."""
    import threading
    from types import SimpleNamespace

    gate = threading.Barrier(count)
    answers = [None] * count

    def reader(index):
        own = SimpleNamespace(stack=context.stack, responses=[])
        gate.wait()
        answers[index] = request(own, uri, timeout=30)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    context.responses = [*context.responses[-4:], answers[-1]]
    return answers
