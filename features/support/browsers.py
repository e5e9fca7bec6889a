"""Which browser to start, and how: never a download, always a browser this machine has.

auto: a Selenium Grid at SELENIUM_REMOTE_URL if set, else Firefox (geckodriver where installed,
else Mozilla's Marionette client, which needs no geckodriver), else Debian's Chromium.
"""

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from operations.lifetime import die_with_parent
from support.engines import MarionetteBrowser, SeleniumBrowser

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromedriver")
CHROMIUM_HINT = "install Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver"
FIREFOX_HINT = "install Debian's firefox-esr: apt-get install -y firefox-esr"


class BrowserUnavailable(RuntimeError):
    """No browser of the kind asked for can run here; the message says what to install."""


def firefox_binary():
    return shutil.which("firefox-esr") or shutil.which("firefox")


def available_kind():
    """What `auto` means here."""
    if os.environ.get("SELENIUM_REMOTE_URL"):
        return "remote"
    if firefox_binary():
        return "firefox"
    return "chromium"


def start(kind="auto", headed=False):
    kind = available_kind() if kind in ("", "auto") else kind
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
    return MarionetteBrowser(client, f"{_version(binary)} (Marionette)", log)


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
