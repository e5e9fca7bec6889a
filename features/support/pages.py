"""Page objects: where each thing a reader uses is found on the page. Selectors live only here."""

from urllib.parse import urlsplit

from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.common.by import By

from support import waits


class Page:
    """Any page of the site, as a reader uses it: text, links, labelled fields and buttons."""

    def __init__(self, driver, base_url):
        self.driver = driver
        self.base_url = base_url

    def open(self, path):
        self.driver.get(self.base_url + path)
        waits.until(self.driver, waits.page_loaded, lambda: f"{path} did not finish loading")

    @property
    def path(self):
        parts = urlsplit(self.driver.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def visible_text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def summary(self):
        """What the reader sees now, for failure messages."""
        text = " ".join(self.visible_text.split())
        return f"at {self.path}, the page shows: {text[:600]!r}"

    def field(self, label):
        try:
            # "Title" finds <label>Title</label> and the admin's <label>Title:</label>.
            xpath = (
                f"//label[normalize-space()={_literal(label)} or normalize-space()={_literal(label + ':')}]"
            )
            element = self.driver.find_element(By.XPATH, xpath)
        except NoSuchElementException:
            labels = [e.text for e in self.driver.find_elements(By.TAG_NAME, "label")]
            raise AssertionError(
                f"no field labelled {label!r}; labels here: {labels} ({self.summary()})"
            ) from None
        target = element.get_attribute("for")
        return (
            self.driver.find_element(By.ID, target) if target else element.find_element(By.XPATH, ".//input")
        )

    def fill_in(self, label, value):
        field = self.field(label)
        field.clear()
        field.send_keys(value)

    def press(self, text):
        xpath = (
            f"//button[normalize-space()={_literal(text)}]"
            f" | //input[(@type='submit' or @type='button') and @value={_literal(text)}]"
        )
        buttons = self.driver.find_elements(By.XPATH, xpath)
        if not buttons:
            found = [
                b.text or b.get_attribute("value")
                for b in self.driver.find_elements(By.XPATH, "//button|//input[@type='submit']")
            ]
            raise AssertionError(f"no button {text!r}; buttons here: {found} ({self.summary()})")
        self._submit_and_wait(buttons[0])

    def follow(self, text):
        links = self.driver.find_elements(By.LINK_TEXT, text)
        if not links:
            found = [a.text for a in self.driver.find_elements(By.TAG_NAME, "a")]
            raise AssertionError(f"no link {text!r}; links here: {found} ({self.summary()})")
        self._submit_and_wait(links[0])

    def _submit_and_wait(self, element):
        old_body = self.driver.find_element(By.TAG_NAME, "body")
        element.click()
        waits.until(
            self.driver,
            lambda d: _stale(old_body) and waits.page_loaded(d),
            lambda: f"no new page after the click ({self.summary()})",
        )


class LoginPage(Page):
    """/login/: the one place that knows how logging in is done."""

    PATH = "/login/"

    def log_in(self, login, password):
        if urlsplit(self.driver.current_url).path != self.PATH:
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
        from selenium.webdriver.support.ui import Select

        self.open(changelist)
        rows = [
            r for r in self.driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr") if title in r.text
        ]
        assert rows, f"no row {title!r} on {changelist} ({self.summary()})"
        rows[0].find_element(By.CSS_SELECTOR, "input.action-select").click()
        Select(self.driver.find_element(By.NAME, "action")).select_by_visible_text(action)
        self.press("Go")
        assert "Created" in self.visible_text, f"the action did not report its work ({self.summary()})"


def _stale(element):
    try:
        element.is_enabled()
        return False
    except Exception:
        return True


def _literal(text):
    """An XPath string literal for any text (quotes included)."""
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return "concat(" + ", '\"', ".join(f'"{part}"' for part in text.split('"')) + ")"
