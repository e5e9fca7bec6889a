"""The suite's lifecycle: the test database, the stack under test, the browser, isolation, evidence.

behave calls the hooks below through features/environment.py. Each external thing is set up in
one place here and torn down in shutdown(), which runs after the last feature, on a failure, on
Ctrl-C and on SIGTERM.
"""

import base64
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent
for folder in (ROOT / "sut", ROOT / "features", ROOT):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")
# Users are created and log in in many scenarios: a fast hasher, in the suite and its stack.
os.environ.setdefault("FAST_PASSWORD_HASHING", "1")

__all__ = [
    "after_all",
    "after_feature",
    "after_scenario",
    "before_all",
    "before_feature",
    "before_scenario",
    "world",
]

REPORTS = Path(os.environ.get("HARVEST_REPORTS", ROOT / "reports"))


class World:
    """State shared by the hooks and the steps for the whole run (Lettuce's `world`)."""

    def __init__(self):
        self.stack = None
        self.runner = None
        self.old_db_config = None
        self.browser = None
        self.reaper = None
        self.setup_error = None
        self.timings = {}
        self.feature_times = {}


world = World()


def database_url(settings_dict):
    """A DATABASE_URL for the database Django is connected to (the test DB once created)."""
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


def _terminate(signum, frame):
    # SIGTERM takes the same road as Ctrl-C: behave aborts the run, after_all tears down.
    raise KeyboardInterrupt(f"signal {signum}")


def make_stack():
    """The launcher HARVEST_STACK names: local processes (the default) or docker compose."""
    kind = os.environ.get("HARVEST_STACK", "local")
    if kind == "compose":
        from stack.compose import ComposeStack

        stack = ComposeStack()
        # The suite creates its test database on compose's PostgreSQL, and drives its Grid.
        os.environ["DATABASE_URL"] = stack.prepare()
        os.environ.setdefault("SELENIUM_REMOTE_URL", stack.grid_url)
        return stack
    if kind != "local":
        raise RuntimeError(f"unknown stack {kind!r} (HARVEST_STACK): use local or compose")
    from stack.local import LocalStack

    env = {"DEBUG": "1"} if os.environ.get("HARVEST_DEBUG") else {}
    return LocalStack(env=env)


def setup():
    """Django, the test database, the stack. Safe to call once per process."""
    signal.signal(signal.SIGTERM, _terminate)
    from stack import reaper

    if world.reaper is None:
        world.reaper = reaper.start()
    import django
    from django.conf import settings
    from django.test.utils import get_runner, setup_test_environment

    (ROOT / "var").mkdir(exist_ok=True)
    began = time.monotonic()
    world.stack = make_stack()
    preparing = time.monotonic() - began
    django.setup()
    setup_test_environment()
    from django.db import connection

    if connection.vendor == "sqlite":
        # A file of this run's own, so gunicorn shares it and parallel runs never do.
        connection.settings_dict["TEST"]["NAME"] = str(ROOT / "var" / f"harvest-{os.getpid()}.sqlite3")
    began = time.monotonic()
    world.runner = get_runner(settings)(verbosity=0, interactive=False)
    world.old_db_config = world.runner.setup_databases()
    world.timings["test database"] = time.monotonic() - began

    began = time.monotonic()
    world.stack.start(database_url(connection.settings_dict))
    world.timings["stack start"] = preparing + time.monotonic() - began
    # The suite's own writes (Givens, editors' changes) purge the stack's memcached.
    settings.PAGECACHE_MEMCACHED = world.stack.memcached


def shutdown():
    """Browser, stack, test database: each torn down once, whatever happened before."""
    quit_browser()
    owns_database = getattr(world.stack, "owns_database", False)
    if world.stack is not None:
        stack, world.stack = world.stack, None
        stack.stop()  # first: the app's connections would keep PostgreSQL from dropping the test DB
    if world.old_db_config is not None:
        old, world.old_db_config = world.old_db_config, None
        if not owns_database:  # compose's database went with its volume
            world.runner.teardown_databases(old)
    if world.reaper is not None:
        from stack import reaper

        guard, world.reaper = world.reaper, None
        reaper.stop(guard)  # anything still running that this run started is killed now


def browser():
    """The WebDriver: started when a @browser scenario first needs it, then reused for the run."""
    from support import browsers

    if world.browser is None:
        if isinstance(world.timings.get("browser error"), Exception):
            raise world.timings["browser error"]  # no second try: the same cause, the same error
        began = time.monotonic()
        try:
            world.browser = browsers.start(os.environ.get("BROWSER", "auto"), bool(os.environ.get("HEADED")))
        except Exception as error:
            world.timings["browser error"] = error
            raise
        world.timings["browser start"] = time.monotonic() - began
    return world.browser


def clear_browser(driver):
    """A fresh reader: no cookies, no storage (the browser itself stays up)."""
    driver.get(world.stack.browser_url + "/health/")
    driver.delete_all_cookies()
    driver.execute_script("window.localStorage.clear(); window.sessionStorage.clear();")


def quit_browser():
    if world.browser is not None:
        driver, world.browser = world.browser, None
        try:
            driver.quit()
        except Exception as error:  # a crashed browser cannot quit cleanly; its driver still goes
            print(f"browser did not quit cleanly: {error}", file=sys.stderr)


def save_browser_evidence(folder):
    """Screenshot, page source and console log of the browser, when the scenario used one."""
    if world.browser is None:
        return
    try:
        world.browser.save_screenshot(str(folder / "screenshot.png"))
        (folder / "page.html").write_text(world.browser.page_source)
        try:
            entries = world.browser.get_log("browser")
        except Exception:  # not every driver keeps a console log
            entries = []
        (folder / "console.log").write_text(
            "".join(f"{e.get('level')} {e.get('message')}\n" for e in entries)
        )
    except Exception as error:
        (folder / "browser-error.txt").write_text(f"browser evidence unavailable: {error}\n")


def embed_in_report(context, folder):
    """Put the failure's screenshot into the HTML report (harvest --html), when one is written."""
    screenshot = folder / "screenshot.png"
    for formatter in getattr(context._runner, "formatters", []):
        if getattr(formatter, "name", "") == "html-pretty" and screenshot.exists():
            data = base64.b64encode(screenshot.read_bytes()).decode("ascii")  # the formatter wants base64
            formatter.embed("image/png", data, caption="The browser at the failure")


def reset_state():
    """Scenarios never share state: an empty database, an empty memcached, an empty nginx L1."""
    from django.core.management import call_command

    from support import memcached

    call_command("flush", interactive=False, verbosity=0)
    memcached.flush(world.stack.memcached)
    world.stack.clear_l1()


def slug(text):
    return re.sub(r"[^\w.-]+", "-", text, flags=re.ASCII).strip("-")[:80] or "unnamed"


def keep_evidence(context, scenario):
    """A failed scenario's evidence under reports/<feature>/<scenario>/."""
    folder = REPORTS / slug(scenario.feature.name) / slug(scenario.name)
    folder.mkdir(parents=True, exist_ok=True)
    responses = getattr(context, "responses", [])
    (folder / "responses.txt").write_text("\n\n".join(r.describe() for r in responses) or "no responses\n")
    if world.stack is not None:
        for name, text in world.stack.log_tails().items():
            (folder / name).write_text(text)
    if context.browser is not None:
        save_browser_evidence(folder)
        embed_in_report(context, folder)
    print(f"  evidence kept in {folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder}")


# behave's hooks ----------------------------------------------------------------------------


def before_all(context):
    REPORTS.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    try:
        setup()
    except BaseException as error:
        world.setup_error = error
        shutdown()
        raise
    finally:
        world.timings["setup"] = time.monotonic() - began
    context.world = world
    context.stack = world.stack


def before_feature(context, feature):
    context.feature_began = time.monotonic()


def after_feature(context, feature):
    world.feature_times[feature.filename] = time.monotonic() - context.feature_began


def before_scenario(context, scenario):
    context.responses = []
    context.browser = None
    context.undo = []
    context.scratch = Path(tempfile.mkdtemp(prefix="scenario-"))  # files a scenario writes (logs ...)
    context.undo.append(lambda: shutil.rmtree(context.scratch, ignore_errors=True))
    world.stack.heal()  # a program a failed scenario left down or frozen is running again
    reset_state()
    if "browser" in scenario.effective_tags:
        context.browser = browser()
        clear_browser(context.browser)


def after_scenario(context, scenario):
    if scenario.status.name in ("failed", "error") or getattr(scenario, "hook_failed", False):
        keep_evidence(context, scenario)
    for undo in reversed(getattr(context, "undo", [])):
        undo()  # the faults a scenario made (a database taken down ...) are undone


def after_all(context):
    shutdown()
