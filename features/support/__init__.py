"""Helpers the step modules call: HTTP, memcached, content, the browser and its waits."""
