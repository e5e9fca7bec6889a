"""`python -m lifetime NAME MARK`: the reaper (see lifetime/__init__.py)."""

import sys

from lifetime import main

sys.exit(main(sys.argv))
