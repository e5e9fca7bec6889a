"""Renders nginx's one config template for a launcher."""

import os
import re
import shutil
from pathlib import Path

from pagecache.leases import DEFAULT_APP_TIMEOUT, DEFAULT_PRIVATE_TIMEOUT
from pagecache.ring import WEIGHT  # the site's ring and nginx's must weigh servers alike

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
ERROR_PAGES = Path(__file__).resolve().parent.parent / "sut" / "templates"


def render(
    *, listen, memcached, app, waitroom, run_dir, log_dir=None, modules=(), worker_processes=1,
    error_pages=ERROR_PAGES, error_log=None, access_log=None, user=None, l1=True,
    app_timeout=DEFAULT_APP_TIMEOUT,
):  # fmt: skip
    """The config text; modules are .so paths to load (empty where nginx has them built in).

    Logs go to files in log_dir, or where error_log and access_log say (/dev/stderr in a container).
    user: the workers' user; by default root when run as root (else the directive is left out).
    l1: False for no first level (the classic design, for bench).
    app: one address, or a list of the app's replicas; memcached: one address, or the pool's.
    waitroom: the waiting room's address; app_timeout: PAGECACHE_APP_TIMEOUT, the app's setting.
    """
    if user is None:
        user = "root" if os.geteuid() == 0 else ""
    return substitute(
        TEMPLATE.read_text(),
        load_modules="\n".join(f"load_module {path};" for path in modules),
        user=f"user {user};" if user else "",
        worker_processes=worker_processes,
        listen=listen,
        # A server that refused is still the one its keys live on: never taken out of the ring.
        memcached_servers=_servers(memcached, f"weight={WEIGHT} "),
        # Replicas in turn; a refused connection never takes one out of the turn (max_fails=0):
        # an app that comes back is used at once.
        app_servers=_servers(app),
        waitroom=waitroom,
        app_timeout=_seconds(app_timeout),
        private_timeout=_seconds(DEFAULT_PRIVATE_TIMEOUT),
        # The waiting room answers at the reader's bound; nginx waits a little more for that answer.
        wait_timeout=_seconds(app_timeout + 1),
        front_timeout=_seconds(DEFAULT_PRIVATE_TIMEOUT + 5),
        run_dir=run_dir,
        error_log=error_log or f"{log_dir}/nginx-error.log",
        access_log=access_log or f"{log_dir}/nginx-access.log",
        # A log file is written in 64 kB batches (a write per request costs ~10% of a hit);
        # a stream (a container's stdout) line by line.
        access_log_buffer="" if access_log else " buffer=64k flush=1s",
        error_pages=error_pages,
        l1_zone="l1" if l1 else "off",
    )


def substitute(template, **values):
    """Fill {{name}} placeholders (nginx's own $variables stay as they are); all must be given."""
    missing = set(re.findall(r"\{\{(\w+)\}\}", template)) - values.keys()
    if missing:
        raise KeyError(f"nginx template needs {', '.join(sorted(missing))}")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: str(values[m.group(1)]), template)


def clear_l1(folder):
    """Empty nginx's first level (its cache folder): nginx takes a cache file that is gone for a miss."""
    for entry in folder.glob("*"):
        shutil.rmtree(entry, ignore_errors=True)


def app_timeout(env):
    """PAGECACHE_APP_TIMEOUT as the app reads it from its environment, for nginx's config."""
    return float(env.get("PAGECACHE_APP_TIMEOUT") or DEFAULT_APP_TIMEOUT)


def _seconds(value):
    """An nginx time in milliseconds: 2.5 -> 2500ms."""
    return f"{round(float(value) * 1000)}ms"


def _servers(addresses, options=""):
    """An upstream's server lines, from a list of addresses or a comma-separated string."""
    listed = addresses.split(",") if isinstance(addresses, str) else addresses
    return "\n".join(f"        server {address} {options}max_fails=0;" for address in listed)
