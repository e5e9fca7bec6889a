"""A page is stored under its own address only, so that no client can store it a thousand times.

Every spelling of a URI is a new nginx key: `/?utm=1`, `/?utm=2`, `/blog/a%2Db/`, `/blog/a/?`.
Only the canonical one is stored: the path as Django escapes it, and the query parameters the
page declares it reads, in canonical form. Any other spelling is served, rendered, and not
stored; a page has as many stored variants as it declares (the index: one per existing page).
"""

from urllib.parse import urlencode

from django.utils.encoding import escape_uri_path

from pagecache import keys


def declare_query(response, **params):
    """The query parameters that select this response, as the page writes them in its links."""
    response.pagecache_query = params
    return response


def canonical_uri(request, response):
    query = urlencode(getattr(response, "pagecache_query", {}))
    path = escape_uri_path(request.path)
    return f"{path}?{query}" if query else path


def is_canonical(request, response):
    return keys.request_uri(request.META) == canonical_uri(request, response)
