"""The site's manage.py, run in a process of its own (the demo set-up, operators' steps, benchmarks)."""

import subprocess
import sys

from stack.paths import SUT


class CommandFailed(RuntimeError):
    """A manage.py command failed; the message says which, then what it printed."""


def argv(*args):
    return [sys.executable, str(SUT / "manage.py"), *map(str, args)]


def run(env, *args, timeout=None):
    """(exit status, output) of a management command."""
    result = subprocess.run(argv(*args), env=env, capture_output=True, text=True, timeout=timeout)
    return result.returncode, result.stdout + result.stderr


def check(env, *args):
    """The command's output, or CommandFailed."""
    status, output = run(env, *args)
    if status != 0:
        raise CommandFailed(f"manage.py {' '.join(map(str, args))} failed:\n{output}")
    return output
