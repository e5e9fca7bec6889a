"""The stack under test: memcached, gunicorn and nginx, started locally or under docker compose."""

import sys

from stack.paths import SUT

# The stack runs the site; the site's own helpers (a process's lifetime) are importable from here.
if str(SUT) not in sys.path:
    sys.path.append(str(SUT))
