"""The test database: created through the project's TEST_RUNNER before the run, destroyed after it."""

import contextlib
import os
from contextlib import contextmanager
from urllib.parse import quote

from behave import fixture

from stack.paths import VAR


def database_url(settings_dict):
    """A DATABASE_URL for the database Django is connected to (the test database once created)."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    scheme = {"postgresql": "postgres", "mysql": "mysql"}[engine.rsplit(".", 1)[-1]]
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"{scheme}://{credentials}{host}{port}/{settings_dict['NAME']}"


def _django(server_url):
    """Django set up on server_url (or DATABASE_URL); its default connection."""
    if server_url:
        os.environ["DATABASE_URL"] = server_url  # read by the site's settings, not yet loaded
    import django
    from django.db import connection
    from django.test.utils import setup_test_environment

    django.setup()
    with contextlib.suppress(RuntimeError):  # set up already: a queue worker makes its clone first
        setup_test_environment()
    if connection.vendor == "sqlite":
        # A file of this run's own, so gunicorn shares it and parallel runs never do.
        VAR.mkdir(exist_ok=True)
        connection.settings_dict["TEST"]["NAME"] = str(VAR / f"harvest-{os.getpid()}.sqlite3")
    else:  # a database of this run's own: runs on one server (queue workers, say) never share one
        connection.settings_dict["TEST"]["NAME"] = f"test_{connection.settings_dict['NAME']}_{os.getpid()}"
    return connection


def _test_runner():
    from django.conf import settings
    from django.test.utils import get_runner

    return get_runner(settings)(verbosity=0, interactive=False)


@fixture
def test_database(context, server_url=None, drop=True, given=None):
    """Django set up on server_url (or DATABASE_URL), the test database created; yields its URL.

    drop=False: the database goes with the stack that holds it (compose's volume).
    given: the URL of a test database made already (a worker's clone, see clones()): used as it is.
    """
    connection = _django(given or server_url)
    if given:
        yield given
        return
    runner = _test_runner()
    old_config = runner.setup_databases()
    yield database_url(connection.settings_dict)
    if drop:
        runner.teardown_databases(old_config)


@contextmanager
def clones(count, server_url=None):
    """The test database migrated once and cloned count times (PostgreSQL: CREATE DATABASE ...
    TEMPLATE; SQLite: a copy of the file), as Django's parallel test runner does; yields the
    clones' URLs. All of them are destroyed at the end."""
    connection = _django(server_url)
    runner = _test_runner()
    old_config = runner.setup_databases()
    made = []
    try:
        connection.close()  # PostgreSQL copies no template that has a connection
        for n in range(1, count + 1):
            connection.creation.clone_test_db(suffix=str(n), verbosity=0, keepdb=False)
            made.append(str(n))
        yield [database_url(connection.creation.get_test_db_clone_settings(n)) for n in made]
    finally:
        for n in made:
            connection.creation.destroy_test_db(verbosity=0, keepdb=False, suffix=n)
        runner.teardown_databases(old_config)
