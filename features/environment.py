"""behave's hook module: the hooks live in terrain.py, the one place for the suite's lifecycle."""

from terrain import *  # noqa: F403
