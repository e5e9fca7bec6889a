"""Stores each cacheable rendered page in memcached for nginx, and marks rendered pages MISS."""

from django.conf import settings

from pagecache import keys, rules, store, tags

NGINX_KEY_HEADER = "HTTP_X_PAGE_KEY"


class PageCacheMiddleware:
    """Outermost middleware: it sees the response exactly as the reader gets it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Cache"] = "MISS"
        if rules.refusal(request, response) is None:
            key = keys.key_for_request(request)
            # nginx sends the key it computed (a header it always overwrites). A request whose
            # key differs, e.g. an absolute-form request line, is served but never stored.
            nginx_key = request.META.get(NGINX_KEY_HEADER)
            if nginx_key is None or nginx_key == key:
                ttl = settings.PAGECACHE_TTL
                if store.set_page(key, response.content, ttl):
                    tags.remember(key, getattr(response, "pagecache_tags", ()), ttl)
        return response
