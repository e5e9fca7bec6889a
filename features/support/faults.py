"""Taking parts of the stack down and bringing them back, for the scenarios about staying up."""

from pathlib import Path

from django.db import connection, connections


def database_down(context):
    """Make the app's database refuse service; returns the undo."""
    settings = connection.settings_dict
    connections.close_all()
    if connection.vendor == "sqlite":
        return _sqlite_down(Path(settings["NAME"]))
    if connection.vendor == "postgresql":
        return _postgres_down(settings)
    raise AssertionError(f"no way to take a {connection.vendor} database down")


def _sqlite_down(path):
    aside = path.with_name(path.name + ".down")
    path.rename(aside)

    def undo():
        connections.close_all()
        path.unlink(missing_ok=True)  # the empty file a connection made meanwhile
        aside.rename(path)

    return undo


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

    def undo():
        run(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        connections.close_all()

    return undo
