"""The stack under test: memcached, gunicorn and nginx, started locally or under docker compose.

The stack runs the site: importing it makes the site's packages importable (stack.paths).
"""

from stack.paths import importable

importable()
