"""Renders nginx's one config template for a launcher."""

import os
import re
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")


ERROR_PAGES = Path(__file__).resolve().parent.parent / "sut" / "templates"


def render(
    *, listen, memcached, app, run_dir, log_dir, modules=(), worker_processes=1, error_pages=ERROR_PAGES
):
    """The config text; modules are .so paths to load (empty where nginx has them built in)."""
    user = "user root;" if os.geteuid() == 0 else ""
    return substitute(
        TEMPLATE.read_text(),
        load_modules="\n".join(f"load_module {path};" for path in modules),
        user=user,
        worker_processes=worker_processes,
        listen=listen,
        memcached=memcached,
        app=app,
        run_dir=run_dir,
        log_dir=log_dir,
        error_pages=error_pages,
    )


def substitute(template, **values):
    """Fill {{name}} placeholders (nginx's own $variables stay as they are); all must be given."""
    missing = set(re.findall(r"\{\{(\w+)\}\}", template)) - values.keys()
    if missing:
        raise KeyError(f"nginx template needs {', '.join(sorted(missing))}")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: str(values[m.group(1)]), template)
