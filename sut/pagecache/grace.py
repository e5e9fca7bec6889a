"""Grace: a page's last good copy, for the days the app cannot answer, and for a page that expired unchanged.

Every render that stores a page (key) stores two more items beside it, on the same memcached
(nginx's ring hashes every key of a page on the page's own key, $page_key):

- the *grace copy*, GRACE_PREFIX + key: the same bytes, living PAGECACHE_TTL + PAGECACHE_GRACE.
  nginx serves it (X-Cache: STALE) only to an anonymous GET or HEAD that the app could not
  answer: refused, an error status (5xx, never a 404), or no answer within the app's bound. An
  edit leaves it: the last good version beats an error page. A *withdrawal* (a post unpublished
  or deleted, an operator's forget) deletes it, through the page's entries in the tag lists,
  of which an edit keeps one per page (pagecache.tags).
- the *validity mark*, VALID_PREFIX + key: says the page has not changed since it was rendered.
  Stored and purged with the page itself (every purge deletes it, by the page's own list
  entry), it outlives the page by PAGECACHE_GRACE: a reader who misses a page whose mark is
  still there finds a page that merely expired, gets its grace copy at once (X-Cache: STALE,
  X-Cache-Level: app) and one request renders it afresh in the background (revalidate()).

A render that a purge overtook deletes all three (pagecache.renders); a render that could not
store its grace copy (memcached full) deletes the older one, so that no copy older than the
last good one is ever served.
"""

import functools
import io
import logging
import threading

from django.conf import settings

log = logging.getLogger("pagecache")

GRACE_PREFIX = "pagecache:grace:"
VALID_PREFIX = "pagecache:valid:"
# Set by revalidate() on the request it renders in the background (never from a client: WSGI
# environ keys without HTTP_ come from the server, not from headers).
REVALIDATING = "pagecache.revalidating"


def enabled():
    return settings.PAGECACHE_GRACE > 0


def grace_key(key):
    return GRACE_PREFIX + key


def valid_key(key):
    return VALID_PREFIX + key


def ttl():
    """The grace copy's and the validity mark's lifetime: the page's, and the grace beyond it."""
    return settings.PAGECACHE_TTL + settings.PAGECACHE_GRACE


def copies(key, body):
    """The grace copy and the validity mark of a page, as stored beside it."""
    return {grace_key(key): body, valid_key(key): b"1"}


def page_items(key):
    """What an edit purge deletes for a page: the page and its validity mark."""
    return [key, valid_key(key)]


def all_items(key):
    """What a withdrawal deletes for a page: the page, its mark and its grace copy."""
    return [key, valid_key(key), grace_key(key)]


def revalidate(environ):
    """Render the request's page afresh in a thread of this process, after its reader got the grace copy.

    The copy of the request goes through the whole middleware stack like any reader's, marked
    REVALIDATING: it takes the page's lease (one render, whoever asks) and stores what it renders.
    """
    request = dict(environ)
    request.update({"wsgi.input": io.BytesIO(), "wsgi.errors": io.StringIO(), REVALIDATING: True})
    request.pop("CONTENT_LENGTH", None)
    threading.Thread(target=_render, args=(request,), name="pagecache-revalidate", daemon=True).start()


def _render(environ):
    try:
        response = _handler()(environ, lambda status, headers, exc_info=None: None)
        response.close()  # request_finished: this thread's database connections closed
    except Exception:
        log.exception("revalidating %s failed", environ.get("RAW_URI") or environ.get("PATH_INFO"))


@functools.cache
def _handler():
    """One WSGI handler per process (its middleware loaded once), for every revalidation."""
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()
