"""The stack under test: chosen by the run's options, started on the test database, always stopped."""

from behave import fixture

import lifetime

RUN_MARK = "HARVEST_RUN"  # in the environment of every process the run starts


def launcher(options):
    """The launcher the options name: local processes (the default) or docker compose."""
    if options.stack == "compose":
        from stack.compose import ComposeStack

        return ComposeStack(
            port=options.port, apps=options.scale_app, memcached_nodes=options.memcached_nodes
        )
    if options.stack != "local":
        raise ValueError(f"unknown stack {options.stack!r}: use local or compose")
    from stack.local import LocalStack

    return LocalStack(env={"DEBUG": "1"} if options.debug else {}, port=options.port, pause_point=True,
                      memcached_nodes=options.memcached_nodes)  # fmt: skip


@fixture
def leak_guard(context):
    """The last guard: when the run ends, however it ends, whatever it started is killed."""
    guard = lifetime.start_reaper(RUN_MARK)
    context.last_words = lambda argv, env=None: lifetime.when_run_ends(guard, argv, env)
    yield
    lifetime.stop_reaper(guard)


@fixture
def stack_under_test(context, options):
    """The launcher, with what must run before the test database (compose's PostgreSQL)."""
    stack = launcher(options)
    stack.last_words = getattr(context, "last_words", None)  # what compose leaves to the reaper
    yield stack
    stack.stop()  # a no-op when it already stopped before the database went


@fixture
def running_stack(context, stack, database_url):
    """Every program started on the test database; stopped before the database is destroyed,
    since the app's connections would keep PostgreSQL from dropping it."""
    from django.conf import settings

    stack.start(database_url)
    settings.PAGECACHE_MEMCACHED = stack.memcached  # the suite's own writes purge this memcached
    yield stack
    stack.stop()
