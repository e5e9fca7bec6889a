"""Page objects: where each thing a reader uses is found on the page. Selectors live only here.

They speak to the browser through support.engines' small interface, whichever engine runs.
"""

from urllib.parse import urlsplit

from support import waits
from support.engines import first


class Page:
    """Any page of the site, as a reader uses it: text, links, labelled fields and buttons."""

    def __init__(self, browser, base_url):
        self.browser = browser
        self.base_url = base_url

    def open(self, path):
        self.browser.visit(self.base_url + path)
        waits.until(self.browser, waits.page_loaded, lambda: f"{path} did not finish loading")

    @property
    def path(self):
        parts = urlsplit(self.browser.current_url())
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def visible_text(self):
        body = first(self.browser, "tag name", "body")
        return body.text if body is not None else ""

    def summary(self):
        """What the reader sees now, for failure messages."""
        text = " ".join(self.visible_text.split())
        return f"at {self.path}, the page shows: {text[:600]!r}"

    def field(self, label):
        # "Title" finds <label>Title</label> and the admin's <label>Title:</label>.
        xpath = f"//label[normalize-space()={_literal(label)} or normalize-space()={_literal(label + ':')}]"
        element = first(self.browser, "xpath", xpath)
        if element is None:
            labels = [e.text for e in self.browser.find_all("tag name", "label")]
            raise AssertionError(f"no field labelled {label!r}; labels here: {labels} ({self.summary()})")
        target = element.attribute("for")
        return first(self.browser, "id", target) if target else first(element, "xpath", ".//input")

    def fill_in(self, label, value):
        field = self.field(label)
        field.clear()
        field.type(value)

    def press(self, text):
        xpath = (
            f"//button[normalize-space()={_literal(text)}]"
            f" | //input[(@type='submit' or @type='button') and @value={_literal(text)}]"
        )
        button = first(self.browser, "xpath", xpath)
        if button is None:
            found = [
                b.text or b.attribute("value")
                for b in self.browser.find_all("xpath", "//button|//input[@type='submit']")
            ]
            raise AssertionError(f"no button {text!r}; buttons here: {found} ({self.summary()})")
        self._submit_and_wait(button)

    def follow(self, text):
        link = first(self.browser, "link text", text)
        if link is None:
            found = [a.text for a in self.browser.find_all("tag name", "a")]
            raise AssertionError(f"no link {text!r}; links here: {found} ({self.summary()})")
        self._submit_and_wait(link)

    def choose(self, select_name, option_text):
        """Pick an option of a <select> by its visible text."""
        xpath = f"//select[@name={_literal(select_name)}]/option[normalize-space()={_literal(option_text)}]"
        option = first(self.browser, "xpath", xpath)
        assert option is not None, f"no option {option_text!r} in {select_name!r} ({self.summary()})"
        option.click()

    def _submit_and_wait(self, element):
        old_body = first(self.browser, "tag name", "body")
        element.click()
        waits.until(
            self.browser,
            lambda b: old_body.is_stale() and waits.page_loaded(b),
            lambda: f"no new page after the click ({self.summary()})",
        )


class LoginPage(Page):
    """/login/: the one place that knows how logging in is done."""

    PATH = "/login/"

    def log_in(self, login, password):
        if urlsplit(self.browser.current_url()).path != self.PATH:
            self.open(self.PATH)
        self.fill_in("Login", login)
        self.fill_in("Password", password)
        self.press("Login")


class AdminPage(Page):
    """The Django admin, as an editor uses it."""

    def log_in(self, name, password):
        self.open("/admin/login/?next=/admin/")
        self.fill_in("Username", name)
        self.fill_in("Password", password)
        self.press("Log in")

    def change_title(self, post, title):
        self.open(f"/admin/blog/post/{post.pk}/change/")
        self.fill_in("Title", title)
        self.press("Save")
        assert "was changed successfully" in self.visible_text, (
            f"the admin did not save the post ({self.summary()})"
        )

    def run_action(self, changelist, title, action):
        """Select the row titled title on a changelist, and run one of its actions."""
        self.open(changelist)
        rows = [r for r in self.browser.find_all("css selector", "#result_list tbody tr") if title in r.text]
        assert rows, f"no row {title!r} on {changelist} ({self.summary()})"
        first(rows[0], "css selector", "input.action-select").click()
        self.choose("action", action)
        self.press("Go")
        assert "Created" in self.visible_text, f"the action did not report its work ({self.summary()})"


def _literal(text):
    """An XPath string literal for any text (quotes included)."""
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return "concat(" + ", '\"', ".join(f'"{part}"' for part in text.split('"')) + ")"
