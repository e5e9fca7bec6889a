"""The purges the stack's purger applies: waiting until those recorded so far are applied.

A Given sets the scene, purges included: content written by a Given step is purged before the
next step reads a page, so that a late purge never deletes a page a scenario just stored.
"""

import time

SETTLE_TIMEOUT = 10.0


def settle(timeout=SETTLE_TIMEOUT):
    """Wait until no due purge waits; an AssertionError saying how many do after timeout."""
    from django.db import DatabaseError

    from pagecache.outbox import lag

    deadline = time.monotonic() + timeout
    try:
        waiting, oldest = lag()
        while waiting and time.monotonic() < deadline:
            time.sleep(0.02)
            waiting, oldest = lag()
    except DatabaseError:
        return  # the database is down: nothing was written, nothing to wait for
    assert not waiting, f"{waiting} purges not applied after {timeout:.0f} s (the oldest: {oldest:.1f} s)"
