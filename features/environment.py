"""behave's hook module: the hooks live in terrain.py, the one place for the suite's lifecycle."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from terrain import *  # noqa: E402, F403
