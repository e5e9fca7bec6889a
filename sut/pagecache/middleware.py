"""Stores each cacheable rendered page in memcached for nginx, and marks every page's origin.

Two middlewares, the first and the last of MIDDLEWARE. PageCacheMiddleware, outermost, sees
the response exactly as the reader gets it: it decides, stores and marks; a reader who arrives
while another request renders the same page is sent to nginx's waiting room (an internal
redirect, X-Accel-Redirect: /_wait/<key>), and so holds no worker of the app while it waits.
StoredCopyMiddleware, innermost, answers a reader whose page was stored between nginx's miss
and this request with that copy, through every other middleware like a rendered page.

X-Cache says MISS on a rendered page and HIT on a stored copy; nginx's own hits add their level
(X-Cache-Level: memcached or l1), the app's stored copies say X-Cache-Level: app. A page that
expired without any change is answered at once with its grace copy (X-Cache: STALE,
X-Cache-Level: app) while one request renders it afresh in the background (pagecache.grace);
nginx's grace copies, for an app that cannot answer, say X-Cache: STALE, X-Cache-Level: memcached.
"""

from django.conf import settings
from django.http import HttpResponse

from pagecache import grace, keys, renders, rules, tags

NGINX_KEY_HEADER = "HTTP_X_PAGE_KEY"
WAIT_OVER_HEADER = "HTTP_X_WAIT_OVER"  # nginx: the waiting room sent this reader to render (always set)
WAIT_PATH = "/_wait/"  # nginx's internal location that passes a reader to the waiting room


def _storable_key(request):
    """The page's key when a response to this request may be stored at all, else None."""
    if rules.request_refusal(request) is not None:
        return None
    key = keys.key_for_request(request)
    # nginx sends the key it computed (a header it always overwrites). A request whose key
    # differs, e.g. an absolute-form request line, is served but never stored.
    nginx_key = request.META.get(NGINX_KEY_HEADER)
    return key if nginx_key is None or nginx_key == key else None


class PageCacheMiddleware:
    """Outermost middleware: it sees the response exactly as the reader gets it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = _storable_key(request)
        if key is None:
            return _mark(self.get_response(request), "MISS")
        render = request.pagecache_render = renders.Render(key, request.META.get(grace.REVALIDATING, False))
        if render.unchanged_copy is not None and render.lease_value is None:
            grace.revalidate(request.META)  # this reader gets the grace copy at once (below)
        if render.must_wait and NGINX_KEY_HEADER in request.META and not request.META.get(WAIT_OVER_HEADER):
            return _wait(key)  # only nginx can take a reader to its waiting room
        never_stored = False
        try:
            response = self.get_response(request)
            if getattr(response, "pagecache_stored_copy", False):
                return _mark(response, "STALE" if render.unchanged_copy is not None else "HIT", "app")
            never_stored = rules.refusal(request, response) is not None
            if not never_stored:
                path = tags.path_tag(keys.request_uri(request.META))
                page_tags = [*getattr(response, "pagecache_tags", ()), path]
                render.store(response.content, page_tags, settings.PAGECACHE_TTL)
            return _mark(response, "MISS")
        finally:
            render.release(never_stored)


class StoredCopyMiddleware:
    """Innermost middleware: a reader whose page was stored meanwhile gets that copy, a reader of a
    page that expired unchanged its grace copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        render = getattr(request, "pagecache_render", None)
        body = None if render is None else render.stored_copy or render.unchanged_copy
        if body is None:
            return self.get_response(request)
        response = HttpResponse(body, content_type="text/html; charset=utf-8")
        response.pagecache_stored_copy = True
        return response


def _wait(key):
    response = HttpResponse(status=200)
    response["X-Accel-Redirect"] = f"{WAIT_PATH}{key}"
    return _mark(response, "WAIT")


def _mark(response, cache, level=None):
    response["X-Cache"] = cache
    if level:
        response["X-Cache-Level"] = level
    return response
