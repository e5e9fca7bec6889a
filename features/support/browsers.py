"""Which WebDriver to start: Firefox, a Selenium Grid, or Debian's Chromium; never a download."""

import os
import shutil

from operations.lifetime import die_with_parent

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromedriver")
INSTALL_HINT = "install Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver"


class BrowserUnavailable(RuntimeError):
    """No browser of the kind asked for can run here; the message says what to install."""


def available_kind():
    """What `auto` means here: a Grid if one is named, Firefox with geckodriver, else Chromium."""
    if os.environ.get("SELENIUM_REMOTE_URL"):
        return "remote"
    if shutil.which("geckodriver") and shutil.which("firefox"):
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


def _chromium(headed):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = CHROMIUM
    if not (os.path.exists(binary) and os.path.exists(driver)):
        raise BrowserUnavailable(f"no browser for the @browser scenarios: {INSTALL_HINT}")
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
    return webdriver.Chrome(service=Service(executable_path=driver, **_service_kwargs()), options=options)


def _firefox(headed):
    from selenium import webdriver
    from selenium.webdriver.firefox.service import Service

    driver, binary = shutil.which("geckodriver"), shutil.which("firefox") or shutil.which("firefox-esr")
    if not (driver and binary):
        raise BrowserUnavailable(
            "Firefox needs firefox-esr and geckodriver (geckodriver is not packaged by Debian): "
            "use --browser chromium, or SELENIUM_REMOTE_URL with a Selenium Grid"
        )
    options = webdriver.FirefoxOptions()
    options.binary_location = binary
    if not headed:
        options.add_argument("-headless")
    return webdriver.Firefox(service=Service(executable_path=driver, **_service_kwargs()), options=options)


def _remote(headed):
    from selenium import webdriver

    url = os.environ.get("SELENIUM_REMOTE_URL")
    if not url:
        raise BrowserUnavailable("--browser remote needs SELENIUM_REMOTE_URL (a Selenium Grid's address)")
    options = webdriver.FirefoxOptions()
    if not headed:
        options.add_argument("-headless")
    return webdriver.Remote(command_executor=url, options=options)
