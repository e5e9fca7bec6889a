"""The one place the suite waits for a browser: explicit conditions with a deadline, never sleeps."""

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

TIMEOUT = 5.0


def until(driver, condition, failure, timeout=TIMEOUT):
    """Wait until condition(driver) is truthy; on timeout fail with failure() (what was seen)."""
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: condition(d))
    except TimeoutException:
        raise AssertionError(failure()) from None


def page_loaded(driver):
    return driver.execute_script("return document.readyState") == "complete"
