"""`python -m stack up`: the stack for a person, with demo content, until SIGINT or SIGTERM.

`python -m stack compose-config` renders nginx's config for docker compose (var/compose/nginx.conf).

Prints one JSON line (base_url, app_url, memcached, database). The database is DATABASE_URL,
or a SQLite file under var/; it is migrated and the demo content loaded first.
"""

import argparse
import json
import os
import signal
import sys
import threading

from stack import manage
from stack.binaries import MissingBinary
from stack.interface import StackError
from stack.local import LocalStack
from stack.manage import CommandFailed
from stack.paths import VAR


def prepare_database(stack):
    manage.check(stack.app_env(), "migrate", "--noinput")
    manage.check(stack.app_env(), "loaddata", "demo")


def up(port=None):
    VAR.mkdir(exist_ok=True)
    database = os.environ.get("DATABASE_URL", f"sqlite:///{VAR / 'publication.sqlite3'}")
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stack = LocalStack(database, port=port)
    try:
        stack.start()
        prepare_database(stack)  # after the start: the demo posts' saves purge its memcached
        print(json.dumps(stack.describe()), flush=True)
        stopped.wait()
    finally:
        stack.stop()
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m stack", description=__doc__.splitlines()[0])
    parser.add_argument(
        "command", choices=["up", "compose-config"], help="compose-config: render var/compose/nginx.conf"
    )
    parser.add_argument("-P", "--port", type=int, help="nginx's port (default: a free one)")
    options = parser.parse_args(argv)
    if options.command == "compose-config":
        from stack.compose_setup import render_config

        print(render_config())
        return 0
    try:
        return up(options.port)
    except (MissingBinary, StackError) as error:
        print(f"stack: {error}", file=sys.stderr)
        return 2
    except CommandFailed as error:
        print(f"stack: preparing the database failed: {str(error).splitlines()[0]}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
