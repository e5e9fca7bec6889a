"""Where the project's parts are: the checkout, the site under test, the scratch folder."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUT = ROOT / "sut"
VAR = ROOT / "var"
