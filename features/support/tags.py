"""What a tag on a scenario means to this suite, in one place (terrain's before_scenario applies it).

    @pool     needs several memcached: skipped, saying why, on one (harvest --memcached-nodes 3 runs it)
    @celery   needs the Redis broker: skipped, saying why, when it does not answer
    @browser  gets a fresh reader in the run's browser (started at first need); harvest -j also
              gives these scenarios to a worker whose browser is up, and checks for Firefox first
    @serial   (harvest's) runs alone, after the others, while no other scenario runs

Every other tag (@cache, @slow, @fault ...) only selects: `harvest --tag=cache`, `--tag=-slow`.
"""

import sys

from support import celery_workers


def _pool(context):
    if len(context.stack.memcached_names) < 2:
        return "a pool scenario: it runs when the stack has several memcached (--memcached-nodes 3)"
    return None


def _celery(context):
    return celery_workers.broker_unreachable()


# Tags that say when a scenario cannot run here: a function of the context, the reason or None.
NEEDS = {"pool": _pool, "celery": _celery}
SAID = {"celery"}  # a skip said on stderr as it happens (a missing broker is worth a line)


def skip_reason(context, scenario):
    """Why the scenario cannot run on this stack (its tags' needs), or None."""
    for tag in scenario.effective_tags:
        if tag in NEEDS and (why := NEEDS[tag](context)):
            if tag in SAID:
                print(f"harvest: skipping {scenario.name!r}: {why}", file=sys.__stderr__)
            return why
    return None


def wants_browser(scenario):
    return "browser" in scenario.effective_tags
