"""Which browser to start, and how: never a download, always a browser this machine has.

auto: a Selenium Grid at SELENIUM_REMOTE_URL if set, else Firefox (the stack's own container
under compose; else this machine's, through geckodriver where installed, else Mozilla's
Marionette client, which needs no geckodriver), else Debian's Chromium.
"""

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lifetime import die_with_parent
from support.engines import MarionetteBrowser, SeleniumBrowser

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromedriver")
CHROMIUM_HINT = "install Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver"
FIREFOX_HINT = "install Debian's firefox-esr: apt-get install -y firefox-esr"


class BrowserUnavailable(RuntimeError):
    """No browser of the kind asked for can run here; the message says what to install."""


def firefox_binary():
    return shutil.which("firefox-esr") or shutil.which("firefox")


def start(kind="auto", headed=False, stack=None):
    """A browser of that kind. auto: a Grid if SELENIUM_REMOTE_URL is set, else Firefox (the
    stack's own where it runs one, as compose does; else this machine's), else Chromium."""
    if kind in ("", "auto") and os.environ.get("SELENIUM_REMOTE_URL"):
        kind = "remote"
    if kind in ("", "auto", "firefox") and stack is not None and not headed:
        service = stack.browser_service(QUIET_PREFS)
        if service is not None:
            return _firefox_service(service)
    if kind in ("", "auto"):
        kind = "firefox" if firefox_binary() else "chromium"
    starters = {"chromium": _chromium, "firefox": _firefox, "remote": _remote}
    if kind not in starters:
        raise BrowserUnavailable(f"unknown browser {kind!r}: use firefox, chromium or remote")
    return starters[kind](headed)


def _service_kwargs():
    # The driver dies with the suite even if the suite is killed outright.
    return {"popen_kw": {"preexec_fn": die_with_parent}, "log_output": os.devnull}


def _version(binary):
    """'Mozilla Firefox 153.8.0esr', 'Chromium 156.0.8078.73': the name and version it prints."""
    result = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"([A-Za-z][A-Za-z ]*?) (\d[\w.]+)", result.stdout)
    return f"{found[1]} {found[2]}" if found else os.path.basename(binary)


def _chromium(headed):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = CHROMIUM
    if not (os.path.exists(binary) and os.path.exists(driver)):
        raise BrowserUnavailable(f"no browser for the @browser scenarios: {CHROMIUM_HINT}")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    if not headed:
        options.add_argument("--headless=new")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(executable_path=driver, **_service_kwargs()), options=options)
    return SeleniumBrowser(chrome, _version(binary))


def _firefox(headed):
    binary = firefox_binary()
    if binary is None:
        raise BrowserUnavailable(f"--browser firefox: Firefox is not installed: {FIREFOX_HINT}")
    if shutil.which("geckodriver"):
        return _firefox_webdriver(binary, headed)
    return _firefox_marionette(binary, headed)


def _firefox_webdriver(binary, headed):
    from selenium import webdriver
    from selenium.webdriver.firefox.service import Service

    options = webdriver.FirefoxOptions()
    options.binary_location = binary
    if not headed:
        options.add_argument("-headless")
    service = Service(executable_path=shutil.which("geckodriver"), **_service_kwargs())
    return SeleniumBrowser(webdriver.Firefox(service=service, options=options), _version(binary))


# Firefox left alone reaches out to Mozilla's servers; this machine has no such network.
QUIET_PREFS = {
    "app.update.disabledForTesting": True,
    "browser.shell.checkDefaultBrowser": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.safebrowsing.update.enabled": False,
    "extensions.update.enabled": False,
    "devtools.console.stdout.content": True,  # the page's console messages into Firefox's log
}


def _firefox_marionette(binary, headed):
    from marionette_driver.marionette import Marionette

    from stack.ports import free_port

    log = Path(tempfile.mkdtemp(prefix="firefox-")) / "gecko.log"
    # mozprocess reaches for the real stdout's buffer, which behave's capture does not have.
    with contextlib.redirect_stdout(sys.__stdout__):
        client = Marionette(bin=binary, headless=not headed, port=free_port(), prefs=QUIET_PREFS,
                            gecko_log=str(log), startup_timeout=60)  # fmt: skip
        try:
            client.start_session()
        except Exception:
            client.cleanup()
            raise
    client.set_window_rect(width=1280, height=900)
    return MarionetteBrowser(client, f"{_version(binary)} (Marionette)",
                             lambda: log.read_text(errors="replace").splitlines(),
                             after_quit=lambda: shutil.rmtree(log.parent, ignore_errors=True))  # fmt: skip


def _firefox_service(service):
    """The stack's Firefox (compose's `browser` container), attached to over Marionette."""
    from marionette_driver.marionette import Marionette

    client = Marionette(port=service.port, startup_timeout=60)  # no binary: attach, start nothing
    client.start_session()
    client.set_window_rect(width=1280, height=900)
    version = client.session_capabilities.get("browserVersion", "")
    return MarionetteBrowser(client, f"Mozilla Firefox {version} (Marionette, the stack's container)",
                             service.console)  # fmt: skip


def _remote(headed):
    from selenium import webdriver

    url = os.environ.get("SELENIUM_REMOTE_URL")
    if not url:
        raise BrowserUnavailable("--browser remote needs SELENIUM_REMOTE_URL (a Selenium Grid's address)")
    options = webdriver.FirefoxOptions()
    if not headed:
        options.add_argument("-headless")
    return SeleniumBrowser(
        webdriver.Remote(command_executor=url, options=options), "a Selenium Grid's browser"
    )
