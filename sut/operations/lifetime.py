"""Processes that die with their parent: the one place the parent-death signal is set."""

import ctypes
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent(signum=signal.SIGTERM):
    """When this process's parent dies, kill -9 included, the kernel sends it signum."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signum)
