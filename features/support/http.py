"""Readers' requests to the stack, sent byte for byte as written.

http.client, not requests: requests rewrites URIs before sending (`%7e` becomes `~`, `/a/../b`
becomes `/b`, a bare `?` is dropped), and nginx's key is over the URI exactly as sent.
"""

import http.client
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


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


def request(context, uri, method="GET", host=None, headers=None, body=None, base_url=None, timeout=10):
    """Send one request to nginx (or base_url) and record it for the evidence of a failure."""
    parts = urlsplit(base_url or context.stack.base_url)
    host = host if host is not None else parts.netloc
    sent = {"Host": host, "Connection": "close", **(headers or {})}
    if body is not None and "Content-Type" not in sent:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
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
    context.responses = [*getattr(context, "responses", [])[-4:], response]
    return response
