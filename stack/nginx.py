"""Renders nginx's one config template for a launcher."""

import os
import re
import shutil
from pathlib import Path

from pagecache.ring import WEIGHT  # the site's ring and nginx's must weigh servers alike

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
ERROR_PAGES = Path(__file__).resolve().parent.parent / "sut" / "templates"


def render(
    *, listen, memcached, app, run_dir, log_dir=None, modules=(), worker_processes=1,
    error_pages=ERROR_PAGES, error_log=None, access_log=None, user=None, l1=True,
):  # fmt: skip
    """The config text; modules are .so paths to load (empty where nginx has them built in).

    Logs go to files in log_dir, or where error_log and access_log say (/dev/stderr in a container).
    user: the workers' user; by default root when run as root (else the directive is left out).
    l1: False for no first level (the classic design, for bench).
    app: one address, or a list of the app's replicas; memcached: one address, or the pool's.
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


def _servers(addresses, options=""):
    """An upstream's server lines, from a list of addresses or a comma-separated string."""
    listed = addresses.split(",") if isinstance(addresses, str) else addresses
    return "\n".join(f"        server {address} {options}max_fails=0;" for address in listed)
