"""The blog's pages: what readers see."""

import io
import threading
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models.signals import post_save, pre_save
from django.test import TestCase, TransactionTestCase, override_settings
from django.utils import timezone

from blog.derived import DERIVED_FIELDS
from blog.models import Post
from publication.testing import free_port


@override_settings(PAGECACHE_MEMCACHED=f"127.0.0.1:{free_port()}")  # nothing listens: nothing stored
class BlogPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.author = User.objects.create(username="erin", first_name="Erin", last_name="Editor")

    def post(self, title, slug, published=True, days_ago=0, body="Some words."):
        return Post.objects.create(
            title=title,
            slug=slug,
            body=body,
            author=self.author,
            status=Post.Status.PUBLISHED if published else Post.Status.DRAFT,
            published_at=timezone.now() - timedelta(days=days_ago) if published else None,
        )

    def test_index_lists_published_posts_newest_first(self):
        self.post("Older", "older", days_ago=2)
        self.post("Newer", "newer", days_ago=1)
        self.post("Hidden", "hidden", published=False)
        content = self.client.get("/").content.decode()
        self.assertLess(content.index("Newer"), content.index("Older"))
        self.assertNotIn("Hidden", content)

    def test_detail_shows_a_published_post(self):
        self.post("Hello", "hello", body="First line.\n\nSecond paragraph.")
        response = self.client.get("/blog/hello/")
        self.assertContains(response, "<h1>Hello</h1>", html=True)
        self.assertContains(response, "<p>Second paragraph.</p>", html=True)
        self.assertContains(response, '<body id="content">')

    def test_draft_and_unknown_are_the_sites_404(self):
        self.post("Secret", "secret", published=False)
        for path in ("/blog/secret/", "/blog/nothing/"):
            response = self.client.get(path)
            self.assertEqual(response.status_code, 404)
            self.assertContains(response, "no such page on The Publication", status_code=404)

    def test_markup_in_a_body_is_shown_literally(self):
        self.post("Markup", "markup", body="<script>alert(1)</script>")
        response = self.client.get("/blog/markup/")
        self.assertNotContains(response, "<script>alert(1)</script>")
        self.assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")

    def test_publishing_sets_published_at(self):
        post = self.post("Later", "later", published=False)
        post.status = Post.Status.PUBLISHED
        post.save()
        self.assertIsNotNone(post.published_at)


class DerivedFieldTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.author = User.objects.create(username="erin")

    def test_saving_fills_word_count_and_reading_time(self):
        post = Post.objects.create(title="T", slug="t", body="word " * 401, author=self.author)
        post.refresh_from_db()
        self.assertEqual((post.word_count, post.reading_minutes), (401, 3))

    def test_a_new_body_costs_one_write_of_the_derived_fields(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        post = Post.objects.create(title="T", slug="t", body="a b c", author=self.author)
        post.body = " ".join(["word"] * 450)
        with CaptureQueriesContext(connection) as queries:
            post.save()
        updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "blog_post"')]
        self.assertEqual(len(updates), 2, updates)  # the editor's save, then the handler's, once
        post.refresh_from_db()
        self.assertEqual(post.reading_minutes, 3)

    def test_the_handler_saves_once_per_save(self):
        saves = []
        receiver = lambda sender, update_fields=None, **kw: saves.append(update_fields)  # noqa: E731
        post_save.connect(receiver, sender=Post)
        try:
            post = Post.objects.create(title="T", slug="t", body="a b c", author=self.author)
            post.title = "U"
            post.save()  # the body did not change: no second save of the derived fields
        finally:
            post_save.disconnect(receiver, sender=Post)
        # The first save and the handler's own (derived fields only); then the second save alone.
        self.assertCountEqual(saves, [None, frozenset({"word_count", "reading_minutes"}), None])


@override_settings(PAGECACHE_MEMCACHED=f"127.0.0.1:{free_port()}")
class DerivedFieldConcurrencyTests(TransactionTestCase):
    """The handler's own save neither hides other saves nor breaks after an error."""

    def setUp(self):
        self.author = User.objects.create(username="erin")

    def hold_derived_save(self, action):
        """Run action on every save of the derived fields, inside the handler's own save."""

        def receiver(sender, instance, update_fields=None, **kwargs):
            if update_fields is not None and set(update_fields) <= DERIVED_FIELDS:
                action(instance)

        pre_save.connect(receiver, sender=Post, weak=False, dispatch_uid="test-hold")
        self.addCleanup(pre_save.disconnect, sender=Post, dispatch_uid="test-hold")

    def test_a_save_on_another_thread_during_the_handler_is_handled(self):
        inside, release = threading.Event(), threading.Event()

        def hold(instance):
            if instance.slug == "first":
                inside.set()
                release.wait(10)

        self.hold_derived_save(hold)
        first = threading.Thread(
            target=lambda: Post.objects.create(title="A", slug="first", body="one two", author=self.author)
        )
        first.start()
        self.assertTrue(inside.wait(10), "the first save never reached its handler")
        try:
            Post.objects.create(title="B", slug="second", body="one two three", author=self.author)
        finally:
            release.set()
            first.join(10)
        self.assertEqual(Post.objects.get(slug="second").word_count, 3)
        self.assertEqual(Post.objects.get(slug="first").word_count, 2)

    def test_an_error_inside_the_handler_does_not_disable_it(self):
        failures = ["once"]

        def fail_once(instance):
            if failures:
                failures.pop()
                raise RuntimeError("the database went away")

        self.hold_derived_save(fail_once)
        with self.assertRaises(RuntimeError):
            Post.objects.create(title="A", slug="first", body="one two", author=self.author)
        Post.objects.create(title="B", slug="second", body="one two three", author=self.author)
        self.assertEqual(Post.objects.get(slug="second").word_count, 3)


class CommandTests(TestCase):
    def test_publish_and_unpublish_commands(self):
        author = User.objects.create(username="erin")
        Post.objects.create(title="T", slug="t", body="x", author=author)
        call_command("publish", "t", stdout=io.StringIO())
        self.assertEqual(Post.objects.get(slug="t").status, Post.Status.PUBLISHED)
        call_command("unpublish", "t", stdout=io.StringIO())
        post = Post.objects.get(slug="t")
        self.assertEqual((post.status, post.published_at), (Post.Status.DRAFT, None))

    def test_unknown_slug_is_an_error(self):
        with self.assertRaises(CommandError):
            call_command("publish", "nothing", stdout=io.StringIO())
