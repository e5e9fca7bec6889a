"""The run's one browser: started when a @browser scenario first needs it, reused, quit at the end."""

import sys

from behave import fixture

from support import browsers


class LazyBrowser:
    """Starts the browser on first use; a browser that could not start is not tried again."""

    def __init__(self, kind, headed, record, stack=None):
        self.kind, self.headed, self.record, self.stack = kind, headed, record, stack
        self.browser = None
        self.error = None

    def get(self):
        if self.error is not None:
            raise self.error  # the same cause would give the same error: no second try
        if self.browser is None:
            try:
                with self.record.timed("browser start"):
                    self.browser = browsers.start(self.kind, self.headed, self.stack)
                self.record.browser_ran(self.browser.name)
            except Exception as error:
                self.error = error
                raise
        return self.browser

    def fresh(self, url):
        """A new reader in the same browser: no cookies, no storage."""
        browser = self.get()
        browser.visit(url)
        browser.clear_cookies_and_storage()
        return browser

    def quit(self):
        browser, self.browser = self.browser, None
        if browser is None:
            return
        try:
            browser.quit()
        except Exception as error:  # a crashed browser cannot quit cleanly; its driver still goes
            print(f"browser did not quit cleanly: {error}", file=sys.stderr)


@fixture
def browser_session(context, options, record, stack=None):
    session = LazyBrowser(options.browser, options.headed, record, stack)
    yield session
    session.quit()
