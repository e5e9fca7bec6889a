"""behave's hook module: the hooks live in terrain.py, the one place for the suite's lifecycle."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from terrain import (  # noqa: E402
    after_all,
    after_feature,
    after_scenario,
    before_all,
    before_feature,
    before_scenario,
)

__all__ = ["after_all", "after_feature", "after_scenario", "before_all", "before_feature", "before_scenario"]
