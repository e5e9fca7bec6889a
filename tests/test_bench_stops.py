"""A bench stopped with SIGTERM or Ctrl-C stops what it started, as at its end: no process, no
stack's folder left behind (the teardowns ran)."""

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from lifetime import left_after
from stack.processes import wait_until
from tests.conftest import ROOT

MARK = "BENCH_LEAK_MARK"


def marked(mark, program):
    """Whether a process carrying the mark runs program (its command line)."""
    for entry in Path("/proc").iterdir():
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            if f"{MARK}={mark}".encode() in environ and program.encode() in (entry / "cmdline").read_bytes():
                return True
        except (OSError, ValueError):
            continue
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_bench_leaves_nothing(signum, tmp_path):
    mark = uuid.uuid4().hex
    env = {**os.environ, MARK: mark, "TMPDIR": str(tmp_path)}  # the stack's and the bench's folders
    bench = subprocess.Popen([sys.executable, "-m", "bench", "slow"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        wait_until(lambda: marked(mark, "pagecache.waitroom"), 60, what="the bench's stack to run")
        bench.send_signal(signum)
        bench.wait(30)
    finally:
        if bench.poll() is None:
            bench.kill()
    left = left_after(MARK, mark, 10)
    assert not left, f"processes left behind by the bench: {left}"
    folders = sorted(path.name for path in tmp_path.iterdir())
    assert not folders, f"folders left behind by the bench: {folders}"
