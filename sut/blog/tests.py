"""The blog's pages: what readers see."""

from datetime import timedelta

from django.contrib.auth.models import User
from django.test import TestCase, override_settings
from django.utils import timezone

from blog.models import Post
from stack.ports import free_port


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
