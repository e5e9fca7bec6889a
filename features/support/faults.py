"""Taking parts of the stack down and bringing them back, for the scenarios about staying up."""

import contextlib
import time
from pathlib import Path

from django.db import connection, connections

PROGRAMS = {"memcached": "memcached", "the app": "gunicorn", "the purger": "purger"}


def program(stack, part):
    """The stack's name for a part: "memcached server 2" is the pool's second server."""
    if part.startswith("memcached server "):
        return stack.memcached_names[int(part.rsplit(" ", 1)[1]) - 1]
    return PROGRAMS[part]


@contextlib.contextmanager
def stalled(context, part, seconds):
    """The part frozen (a busy server, a network hiccup) for seconds, from entry; what the block
    does happens meanwhile. context.state.answering_again: when it answered again (time.monotonic())."""
    context.add_cleanup(context.stack.heal)
    began = time.monotonic()
    context.stack.freeze(program(context.stack, part))
    yield
    time.sleep(max(0.0, began + seconds - time.monotonic()))  # the stall's own length
    context.stack.heal()
    context.state.answering_again = time.monotonic()


class Outage:
    """The database refusing service until end() (idempotent: a step and the cleanup may both call it)."""

    def __init__(self, restore):
        self._restore = restore

    def end(self):
        restore, self._restore = self._restore, None
        if restore is not None:
            restore()
            connections.close_all()


def database_down():
    """Make the app's database refuse service; the Outage that ends it."""
    settings = connection.settings_dict
    connections.close_all()
    if connection.vendor == "sqlite":
        return Outage(_sqlite_down(Path(settings["NAME"])))
    if connection.vendor == "postgresql":
        return Outage(_postgres_down(settings))
    raise AssertionError(f"no way to take a {connection.vendor} database down")


def _sqlite_down(path):
    aside = path.with_name(path.name + ".down")
    path.rename(aside)

    def restore():
        connections.close_all()
        path.unlink(missing_ok=True)  # the empty file a connection made meanwhile
        aside.rename(path)

    return restore


def _postgres_down(settings):
    import psycopg

    name = settings["NAME"]
    admin = {
        "dbname": "postgres",
        "user": settings.get("USER") or None,
        "password": settings.get("PASSWORD") or None,
        "host": settings.get("HOST") or None,
        "port": settings.get("PORT") or None,
    }

    def run(sql):
        with psycopg.connect(**{k: v for k, v in admin.items() if v}, autocommit=True) as admin_connection:
            admin_connection.execute(sql)

    run(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    run(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        f" WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
    return lambda: run(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
