"""How fast the suite is: stack start, `harvest --tag=-slow`, the whole suite."""

import re
import subprocess
import sys
import time

from stack.paths import ROOT


def harvest(*args):
    began = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "harvest.cli", "-v", "0", *args], cwd=ROOT,
                            capture_output=True, text=True)  # fmt: skip
    elapsed = time.monotonic() - began
    timings = dict(re.findall(r"(stack start|browser start|whole run) ([\d.]+) s", result.stdout))
    summary = re.search(r"harvest: (\d+) passed, (\d+) failed", result.stdout)
    return {
        "seconds": round(elapsed, 1),
        "stack start s": float(timings.get("stack start", "nan")),
        "browser start s": float(timings["browser start"]) if "browser start" in timings else None,
        "passed": int(summary[1]) if summary else None,
        "failed": int(summary[2]) if summary else None,
    }


def run():
    return {"harvest --tag=-slow": harvest("--tag=-slow"), "harvest (all)": harvest()}
