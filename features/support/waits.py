"""The one place the suite waits for a browser: explicit conditions with a deadline, never sleeps."""

import time

TIMEOUT = 5.0
POLL = 0.05


def until(browser, condition, failure, timeout=TIMEOUT):
    """Wait until condition(browser) is truthy; on timeout fail with failure() (what was seen)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = condition(browser)
        except Exception:  # the page changing under the check (a stale element): look again
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(failure())
        time.sleep(POLL)  # the next look at the page, not a wait for the system


def page_loaded(browser):
    return browser.run_script("return document.readyState") == "complete"
