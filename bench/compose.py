"""The compose stack's costs: its images built cold and warm, and the whole suite on containers.

Cold: the project's images removed and Docker's build cache pruned, then everything built from
debian:bookworm-slim (made once with debootstrap where no registry answers; kept). Warm: the
same build again, nothing changed. Then `harvest --stack compose`, whose stack start and whole
run go beside the local run's.
"""

import os
import subprocess
import time

from bench.suite import harvest
from stack.compose import ComposeStack

IMAGES = (
    "publication/db",
    "publication/memcached",
    "publication/app",
    "publication/web",
    "publication/browser",
)


def _timed(action):
    began = time.monotonic()
    action()
    return round(time.monotonic() - began, 1)


def _remove_images():
    subprocess.run(["docker", "rmi", "-f", *(f"{image}:latest" for image in IMAGES)], capture_output=True)
    subprocess.run(["docker", "builder", "prune", "-af"], capture_output=True)


def run():
    stack = ComposeStack(project=f"bench{os.getpid()}")
    try:
        stack.check()  # Docker installed, an engine answering (stopped at the end if started here)
        stack.run_dir.mkdir(parents=True, exist_ok=True)
        _remove_images()
        cold = _timed(stack.images)
        warm = _timed(stack.images)
        suite = harvest("--stack", "compose")
    finally:
        stack.stop()
    return {"build cold s": cold, "build warm s": warm, "suite": suite}
