"""What may be stored: only a page that is the same for every reader nginx would serve it to."""

from django.conf import settings
from django.utils.cache import cc_delim_re

PRIVATE_DIRECTIVES = {"private", "no-store", "no-cache"}


def refusal(request, response):
    """Why a response must not be stored, or None when it is safe for every reader."""
    if request.method != "GET":
        return f"method {request.method}"
    if response.status_code != 200:
        return f"status {response.status_code}"
    if response.streaming:
        return "streaming response"
    if not response.get("Content-Type", "").startswith("text/html"):
        return f"content type {response.get('Content-Type')!r}"
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return "request carries a session cookie"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return "authenticated reader"
    if "HTTP_AUTHORIZATION" in request.META:
        return "request carries credentials"
    if response.cookies:
        return "response sets a cookie"
    directives = {
        d.split("=")[0].strip().lower() for d in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    if directives & PRIVATE_DIRECTIVES:
        return f"Cache-Control: {response['Cache-Control']}"
    # nginx's key covers neither cookies nor other headers. Vary: Cookie is safe only because
    # the requests stored carry no session (above) and nginx never serves a stored page to one.
    varies = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}
    if varies - {"cookie"}:
        return f"Vary: {response['Vary']}"
    if len(response.content) > settings.PAGECACHE_MAX_BYTES:
        return f"{len(response.content)} bytes, over PAGECACHE_MAX_BYTES"
    return None
