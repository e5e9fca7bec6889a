"""What editors do to posts: through the ORM, or in the admin."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from support.pages import Page


def post(title):
    from blog.models import Post

    found = Post.objects.filter(title=title).order_by("pk").first()  # the original, not a copy of it
    if found is None:
        raise AssertionError(f'no post titled "{title}"')
    return found


def save_counting_extra_writes(instance):
    """Save, and count the writes to the post beyond the editor's own (the handler's)."""
    with CaptureQueriesContext(connection) as queries:
        instance.save()
    updates = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "blog_post"')]
    assert updates, "saving the post wrote nothing"
    return len(updates) - 1


def create_editor(name, password):
    return get_user_model().objects.create_superuser(
        username=name, password=password, email=f"{name}@example.com"
    )


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
        from selenium.webdriver.common.by import By
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
