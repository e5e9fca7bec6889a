"""The test database: created through the project's TEST_RUNNER before the run, destroyed after it."""

import os
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


@fixture
def test_database(context, server_url=None, drop=True):
    """Django set up on server_url (or DATABASE_URL), the test database created; yields its URL.

    drop=False: the database goes with the stack that holds it (compose's volume).
    """
    if server_url:
        os.environ["DATABASE_URL"] = server_url  # read by the site's settings, not yet loaded
    import django
    from django.conf import settings
    from django.db import connection
    from django.test.utils import get_runner, setup_test_environment

    django.setup()
    setup_test_environment()
    if connection.vendor == "sqlite":
        # A file of this run's own, so gunicorn shares it and parallel runs never do.
        VAR.mkdir(exist_ok=True)
        connection.settings_dict["TEST"]["NAME"] = str(VAR / f"harvest-{os.getpid()}.sqlite3")
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    yield database_url(connection.settings_dict)
    if drop:
        runner.teardown_databases(old_config)
