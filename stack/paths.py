"""Where the project's parts are (the checkout, the site under test, the suite, the scratch
folder), and the one place that makes the site's packages and the suite's support importable."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUT = ROOT / "sut"
FEATURES = ROOT / "features"
VAR = ROOT / "var"


def importable():
    """The site's packages (publication, blog, pagecache ...) and the suite's `support` on the path."""
    for folder in (SUT, FEATURES):
        if str(folder) not in sys.path:
            sys.path.append(str(folder))
