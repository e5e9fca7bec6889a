from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class PageCacheConfig(AppConfig):
    name = "pagecache"

    def ready(self):
        """A server list that cannot be read stops the site at start, in one line."""
        from pagecache.ring import BadServerList, parse

        try:
            parse(settings.PAGECACHE_MEMCACHED)
        except BadServerList as error:
            raise ImproperlyConfigured(f"MEMCACHED: {error}") from None
