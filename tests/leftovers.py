"""`python tests/leftovers.py COMMAND...`: run a command, then fail if any process it started is left.

Every process the command starts, and everything those start, inherits a mark in its
environment; once the command ends, none may still run. `make test` runs under it.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

from lifetime import left_after

MARK = "MAKE_TEST_RUN"


def main(argv):
    mark = uuid.uuid4().hex
    status = subprocess.call(argv, env={**os.environ, MARK: mark})
    left = left_after(MARK, mark, 10)  # a reaper's own sweep takes a moment
    for pid in left:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        print(f"leftovers: process {pid} outlived `{' '.join(argv)}`: {command[:200]}", file=sys.stderr)
        os.kill(pid, 9)
    if not left:
        print(f"leftovers: no process outlived `{' '.join(argv)}`")
    return status or (1 if left else 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
