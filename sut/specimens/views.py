"""Specimen pages: each is a page the site could store, but for exactly one thing that forbids it;
and a page that is slow to render (the bad days of the cache).

They exist so that every store rule of pagecache.rules has a page that only that rule refuses:
with the rule removed, its page is stored and its scenario (features/cache.feature) fails.
"""

import time

from django.http import HttpResponse, StreamingHttpResponse

PAGE = "<!DOCTYPE html><title>Specimen</title><p>A specimen page: {}.</p>"


def _page(what, **headers):
    response = HttpResponse(PAGE.format(what))
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def varies_on_language(request):
    return _page("it varies on Accept-Language", Vary="Accept-Language")


def private(request):
    return _page("Cache-Control: private", Cache_Control="private")


def no_store(request):
    return _page("Cache-Control: no-store", Cache_Control="no-store")


def sets_a_cookie(request):
    response = _page("it sets a cookie for an anonymous reader")
    response.set_cookie("seen-specimen", "1")
    return response


def streaming(request):
    chunks = iter([PAGE.format("it is streamed")])
    return StreamingHttpResponse(chunks, content_type="text/html; charset=utf-8")


def plain_text(request):
    return HttpResponse("A specimen page: it is plain text.", content_type="text/plain; charset=utf-8")


def storable(request):
    """The control: the same kind of page, breaking no rule, is stored."""
    return _page("it breaks no rule")


def slow(request, milliseconds):
    """A storable page that takes its time to render (a slow database, a slow service)."""
    time.sleep(milliseconds / 1000)
    return _page(f"it took {milliseconds} ms to render")
