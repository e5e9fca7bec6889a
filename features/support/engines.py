"""One small browser interface, two engines: Selenium WebDriver and Mozilla's Marionette.

Page objects, steps, waits and evidence use only Browser and Element below; they never know
which engine runs. Locators are (how, what), how one of WebDriver's names, which Marionette
shares: "css selector", "xpath", "id", "name", "tag name", "link text".
"""

from typing import Protocol


class Element(Protocol):
    text: str

    def click(self) -> None: ...
    def clear(self) -> None: ...
    def type(self, text: str) -> None: ...
    def attribute(self, name: str) -> str | None: ...
    def find_all(self, how: str, what: str) -> list["Element"]: ...
    def is_stale(self) -> bool: ...


class Browser(Protocol):
    name: str  # e.g. "Firefox 128.5.0esr (Marionette)"

    def visit(self, url: str) -> None: ...
    def current_url(self) -> str: ...
    def find_all(self, how: str, what: str) -> list[Element]: ...
    def run_script(self, script: str):
        """Run JavaScript in the page; what its `return` gives."""

    def screenshot_png(self) -> bytes: ...
    def page_source(self) -> str: ...
    def console(self) -> list[str]:
        """The page's console messages, where the engine gives them."""

    def clear_cookies_and_storage(self) -> None: ...
    def quit(self) -> None: ...


def first(container, how, what):
    """The first element found, or None."""
    found = container.find_all(how, what)
    return found[0] if found else None


class _Element:
    """An element of either engine: both give text, click, clear, send_keys, get_attribute."""

    def __init__(self, raw):
        self.raw = raw

    @property
    def text(self):
        return self.raw.text

    def click(self):
        self.raw.click()

    def clear(self):
        self.raw.clear()

    def type(self, text):
        self.raw.send_keys(text)

    def attribute(self, name):
        return self.raw.get_attribute(name)

    def find_all(self, how, what):
        return [_Element(e) for e in self.raw.find_elements(how, what)]

    def is_stale(self):
        try:
            self.raw.is_enabled()
            return False
        except Exception:  # the element's page is gone
            return True


class SeleniumBrowser:
    """Chromium (chromedriver), Firefox (geckodriver) or a Selenium Grid."""

    def __init__(self, driver, name):
        self.driver, self.name = driver, name

    def visit(self, url):
        self.driver.get(url)

    def current_url(self):
        return self.driver.current_url

    def find_all(self, how, what):
        return [_Element(e) for e in self.driver.find_elements(how, what)]

    def run_script(self, script):
        return self.driver.execute_script(script)

    def screenshot_png(self):
        return self.driver.get_screenshot_as_png()

    def page_source(self):
        return self.driver.page_source

    def console(self):
        try:
            return [f"{e.get('level')} {e.get('message')}" for e in self.driver.get_log("browser")]
        except Exception:  # not every driver keeps a console log
            return []

    def clear_cookies_and_storage(self):
        self.driver.delete_all_cookies()
        self.driver.execute_script("window.localStorage.clear(); window.sessionStorage.clear();")

    def quit(self):
        self.driver.quit()


class MarionetteBrowser:
    """Firefox driven by its own Marionette protocol: no geckodriver needed."""

    def __init__(self, client, name, log, after_quit=None):
        self.client, self.name, self.log, self.after_quit = client, name, log, after_quit

    def visit(self, url):
        self.client.navigate(url)

    def current_url(self):
        return self.client.get_url()

    def find_all(self, how, what):
        return [_Element(e) for e in self.client.find_elements(how, what)]

    def run_script(self, script):
        return self.client.execute_script(script, sandbox=None)

    def screenshot_png(self):
        return self.client.screenshot(format="binary")

    def page_source(self):
        return self.client.page_source

    def console(self):
        """Firefox's own log lines, where the page's console messages go too (the last 200)."""
        try:
            return self.log()[-200:]
        except OSError:
            return []

    def clear_cookies_and_storage(self):
        self.client.delete_all_cookies()
        self.run_script("window.localStorage.clear(); window.sessionStorage.clear();")

    def quit(self):
        try:
            self.client.delete_session()
        finally:
            self.client.cleanup()  # a Firefox it started goes, with its profile
            if self.after_quit:
                self.after_quit()
