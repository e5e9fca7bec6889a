"""What may be stored: only a page that is the same for every reader nginx would serve it to."""

from django.conf import settings
from django.utils.cache import cc_delim_re

from pagecache import variants

PRIVATE_DIRECTIVES = {"private", "no-store", "no-cache"}
# nginx says when it kept a request away from memcached and L1 (a session, credentials): such a
# request is never stored, whatever Django makes of its headers. nginx always overwrites it.
BYPASSED_HEADER = "HTTP_X_SKIP_MEMCACHED"


def request_refusal(request):
    """Why no response to this request may be stored, seen before anything renders it."""
    if request.method != "GET":
        return f"method {request.method}"
    if request.META.get(BYPASSED_HEADER):
        return "nginx sent it past the shared caches"
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return "request carries a session cookie"
    if "HTTP_AUTHORIZATION" in request.META:
        return "request carries credentials"
    return None


def refusal(request, response):
    """Why a response must not be stored, or None when it is safe for every reader."""
    reason = request_refusal(request)
    if reason:
        return reason
    if response.status_code != 200:
        return f"status {response.status_code}"
    if response.streaming:
        return "streaming response"
    if not response.get("Content-Type", "").startswith("text/html"):
        return f"content type {response.get('Content-Type')!r}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return "authenticated reader"
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
    if not variants.is_canonical(request, response):
        return f"not the page's own address ({variants.canonical_uri(request, response)})"
    if len(response.content) > settings.PAGECACHE_MAX_BYTES:
        return f"{len(response.content)} bytes, over PAGECACHE_MAX_BYTES"
    return None
