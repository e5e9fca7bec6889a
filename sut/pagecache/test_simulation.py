"""The page cache's promises searched, not sampled: the simulator (pagecache.simulation) over
histories of readers, editors, the purger, memcached and time.

`make test` runs a fixed budget (SIMULATION_EXAMPLES histories of up to SIMULATION_STEPS
decisions, seed SIMULATION_SEED); `make explore` searches for SIMULATION_SECONDS with fresh seeds.
A failure prints the shrunk history, decision by decision and command by command, and the
command that replays it.
"""

import os
import time
from unittest import skipUnless

from django.test import TestCase
from hypothesis import HealthCheck, Phase, seed, settings, stateful

from pagecache.simulation.machine import PageCacheHistories
from pagecache.tests import HAVE_MEMCACHED, WithMemcached

EXAMPLES = int(os.environ.get("SIMULATION_EXAMPLES", "700"))
STEPS = int(os.environ.get("SIMULATION_STEPS", "30"))
SEED = int(os.environ.get("SIMULATION_SEED", "0"))
SECONDS = float(os.environ.get("SIMULATION_SECONDS", "0"))  # 0: one batch of EXAMPLES
# 0: report the first history found as it is, without shrinking it (make mutants: found is enough).
SHRINK = os.environ.get("SIMULATION_SHRINK", "1") != "0"
# Rules left out of the search (comma-separated names): to look past a hole already found.
WITHOUT = frozenset(filter(None, os.environ.get("SIMULATION_WITHOUT", "").split(",")))


def search(seed_value, examples=EXAMPLES, steps=STEPS):
    """Run EXAMPLES histories from one seed; a failure says how to replay it."""
    budget = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
        phases=list(Phase) if SHRINK else [Phase.explicit, Phase.generate],
    )
    test = seed(seed_value)(stateful.get_state_machine_test(PageCacheHistories, settings=budget))
    try:
        test()
    except BaseException as error:
        error.add_note(
            f"simulation: found after {PageCacheHistories.histories} histories (shrinking included)"
        )
        replay = (
            f"replay: make explore SIMULATION_SEED={seed_value} SIMULATION_EXAMPLES={examples} "
            f"SIMULATION_STEPS={steps} SIMULATION_SECONDS=0"
            + (f" SIMULATION_WITHOUT={','.join(sorted(WITHOUT))}" if WITHOUT else "")
        )
        error.add_note(replay)
        raise


@skipUnless(HAVE_MEMCACHED, "memcached is not installed (apt-get install memcached)")
class SimulationTests(WithMemcached, TestCase):
    servers = 2
    # Each history draws its lists' chunk size (simulation.machine.CHUNKS).
    page_cache_settings = {"PAGECACHE_TTL": 300, "PAGECACHE_GRACE": 600, "PAGECACHE_TIMEOUT": 5}

    def test_every_history_searched_keeps_the_cache_promises(self):
        PageCacheHistories.servers = [memcached.address for memcached in self.pool]
        PageCacheHistories.without = WITHOUT
        deadline = time.monotonic() + SECONDS
        batch = SEED
        while True:
            if SECONDS:
                print(f"simulation: seed {batch}, {EXAMPLES} histories", flush=True)
            search(batch)
            batch += 1
            if time.monotonic() >= deadline:
                break
