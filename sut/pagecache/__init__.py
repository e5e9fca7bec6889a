"""The page cache that nginx reads: rendered pages stored in memcached under nginx's own key."""
