"""Grace copies: kept through an edit, gone with a withdrawal whatever the interleaving, served
at once for a page that expired unchanged, and the database telling edits from withdrawals."""

import io
from datetime import timedelta
from unittest import mock, skipUnless

from django.contrib.admin.sites import site
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import SimpleTestCase, TestCase, override_settings
from django.utils import timezone

from blog.admin import PostAdmin
from blog.models import Post
from pagecache import grace, purge, renders, store, tags
from pagecache.middleware import PageCacheMiddleware, StoredCopyMiddleware
from pagecache.models import PendingPurge
from pagecache.test_purges import RENDER_STEPS, Stepped, interleavings
from pagecache.tests import HAVE_MEMCACHED, WithMemcached, anonymous_get, html, md5

GRACE_SETTINGS = {"PAGECACHE_TTL": 60, "PAGECACHE_GRACE": 600}


def items(key):
    """(page, validity mark, grace copy) as memcached holds them now."""
    node = store.node_for(key)
    return node.get(key), node.get(grace.valid_key(key)), node.get(grace.grace_key(key))


def ttl(key):
    reply = store.node_for(key).client().raw_command(f"mg {key} t".encode(), b"\r\n")
    return int(reply.decode().split(" t", 1)[1])


@skipUnless(HAVE_MEMCACHED, "memcached is not installed (apt-get install memcached)")
class GraceCopyTests(WithMemcached, SimpleTestCase):
    page_cache_settings = GRACE_SETTINGS

    def store(self, uri, *page_tags, body=b"<p>v1</p>"):
        key = md5(f"localhost{uri}")
        render = renders.Render(key)
        self.assertTrue(render.store(body, list(page_tags), 60))
        render.release()
        return key

    def test_a_stored_page_leaves_a_grace_copy_and_a_validity_mark_living_its_grace_longer(self):
        key = self.store("/g/", "post:1")
        self.assertEqual(items(key), (b"<p>v1</p>", b"1", b"<p>v1</p>"))
        self.assertTrue(60 < ttl(grace.grace_key(key)) <= 660)
        self.assertTrue(60 < ttl(grace.valid_key(key)) <= 660)
        self.assertTrue(600 < ttl(tags.chunk("post:1", 0)) <= 660, "a list outlives what it reaches")
        counter = tags.TAG_PREFIX + "post:1"
        self.assertTrue(ttl(tags.chunk("post:1", 0)) < ttl(counter) <= 720, "its counter outlives the list")

    def test_an_edit_keeps_the_grace_copy_and_a_withdrawal_after_it_still_reaches_it(self):
        key = self.store("/g/", "post:1")
        purge.purge_tags(["post:1"])
        self.assertEqual(items(key), (None, None, b"<p>v1</p>"))
        purge.purge_tags([], withdrawn=["post:1"])
        self.assertEqual(items(key), (None, None, None))

    def test_a_withdrawal_reaches_the_grace_copies_of_every_render(self):
        first = self.store("/g/", "post:1")
        purge.purge_tags(["post:1"])
        self.store("/g/", "post:1", body=b"<p>v2</p>")
        self.assertEqual(items(first), (b"<p>v2</p>", b"1", b"<p>v2</p>"))
        purge.purge_tags(["post:2"], withdrawn=["post:1"])
        self.assertEqual(items(first), (None, None, None))

    def test_without_grace_no_copy_is_stored(self):
        with override_settings(PAGECACHE_GRACE=0):
            key = self.store("/g/", "post:1")
        self.assertEqual(items(key), (b"<p>v1</p>", None, None))

    def test_a_refused_grace_copy_leaves_no_older_one(self):
        key = self.store("/g/", "post:1")
        purge.purge_tags(["post:1"])
        node = store.node_for(key)
        set_provisional = node.set_provisional

        def page_only(items, seconds):  # memcached full for the copies
            return set_provisional(items, seconds) if key in items else None

        with mock.patch.object(node, "set_provisional", page_only):
            self.store("/g/", "post:1", body=b"<p>v2</p>")
        self.assertEqual(items(key), (b"<p>v2</p>", None, None))


@skipUnless(HAVE_MEMCACHED, "memcached is not installed (apt-get install memcached)")
class WithdrawalInterleavingTests(WithMemcached, SimpleTestCase):
    """A render before, during and after each step of a withdrawal: in all 126 orders, no copy of a
    page rendered before the withdrawal began outlives it, and the next withdrawal reaches any."""

    page_cache_settings = GRACE_SETTINGS

    def test_every_interleaving_of_a_render_and_a_withdrawal(self):
        key = md5("localhost/blog/p/")
        for order in interleavings(RENDER_STEPS, purge.NodePurge.steps):
            node = store.node_for(key)
            node.client().flush_all()
            render, withdrawal = Stepped(key, ["post:1"]), purge.NodePurge(node, ["post:1"], ["post:1"])
            for who, step in order:
                getattr(render if who == "render" else withdrawal, step)()
            with self.subTest(order=" ".join(f"{who[0]}.{step}" for who, step in order)):
                if order.index(("render", "begin")) < order.index(("purge", "advance")):
                    self.assertEqual(items(key), (None, None, None), "a withdrawn page outlived it")
                purge.purge_tags([], withdrawn=["post:1"])
                self.assertEqual(items(key), (None, None, None), "a copy no withdrawal reaches")


@skipUnless(HAVE_MEMCACHED, "memcached is not installed (apt-get install memcached)")
class UnchangedPageTests(WithMemcached, SimpleTestCase):
    """A reader of a page that expired unchanged gets its grace copy at once; after a purge, never."""

    page_cache_settings = GRACE_SETTINGS

    def read(self, uri):
        stack = PageCacheMiddleware(StoredCopyMiddleware(lambda request: html("<p>rendered</p>")))
        with mock.patch.object(grace, "revalidate") as revalidate:
            response = stack(anonymous_get(uri, HTTP_HOST="localhost"))
        return response, revalidate.call_count

    def stored(self, uri):
        key = md5(f"localhost{uri}")
        render = renders.Render(key)
        render.store(b"<p>old</p>", ["post:1"], 60)
        render.release()
        return key

    def test_an_expired_unchanged_page_is_answered_with_its_grace_copy_and_revalidated(self):
        key = self.stored("/u/")
        store.node_for(key).delete(key)  # its lifetime ended
        response, revalidated = self.read("/u/")
        self.assertEqual((response["X-Cache"], response["X-Cache-Level"]), ("STALE", "app"))
        self.assertEqual(response.content, b"<p>old</p>")
        self.assertEqual(revalidated, 1)

    def test_while_a_render_holds_the_lease_readers_get_the_grace_copy_and_start_no_other(self):
        key = self.stored("/u/")
        store.node_for(key).delete(key)
        holder = renders.Render(key, revalidating=True)
        self.assertTrue(holder.holds_lease)
        response, revalidated = self.read("/u/")
        holder.release()
        self.assertEqual((response["X-Cache"], response.content, revalidated), ("STALE", b"<p>old</p>", 0))

    def test_a_purged_page_is_rendered_afresh_never_answered_with_its_grace_copy(self):
        self.stored("/u/")
        purge.purge_tags(["post:1"])
        response, revalidated = self.read("/u/")
        self.assertEqual((response["X-Cache"], response.content), ("MISS", b"<p>rendered</p>"))
        self.assertEqual(revalidated, 0)


class WithdrawalRecordTests(TestCase):
    """The database says which changes withdraw a post: unpublished, moved to a later time, deleted."""

    def setUp(self):
        author = User.objects.create(username="wren")
        self.post = Post.objects.create(
            title="Hello", slug="hello", body="b", author=author, status="published",
            published_at=timezone.now() - timedelta(days=1),
        )  # fmt: skip
        PendingPurge.objects.all().delete()

    def recorded(self):
        rows = list(PendingPurge.objects.values_list("tags", "withdraw"))
        PendingPurge.objects.all().delete()
        return rows

    def test_an_edit_is_no_withdrawal(self):
        Post.objects.filter(pk=self.post.pk).update(title="Hello again")
        self.assertEqual(self.recorded(), [(f"post:{self.post.pk} post-list", False)])

    def test_unpublishing_moving_later_and_deleting_withdraw(self):
        Post.objects.filter(pk=self.post.pk).update(status="draft")
        self.assertEqual(self.recorded(), [(f"post:{self.post.pk} post-list", True)])
        Post.objects.filter(pk=self.post.pk).update(status="published")
        self.assertEqual(self.recorded(), [(f"post:{self.post.pk} post-list", False)])
        Post.objects.filter(pk=self.post.pk).update(published_at=timezone.now() + timedelta(days=1))
        self.assertEqual([withdraw for _, withdraw in self.recorded()], [True, False])  # and due then
        pk = self.post.pk
        self.post.delete()
        self.assertEqual(self.recorded(), [(f"post:{pk} post-list", True)])

    def test_an_operator_forgets_a_page_by_path_on_every_host(self):
        call_command("forget", "/blog/hello/", "https://example.com/?page=2", stdout=io.StringIO())
        row = PendingPurge.objects.get()
        self.assertTrue(row.withdraw)
        self.assertEqual(row.tags.split(), [tags.path_tag("/blog/hello/"), tags.path_tag("/")])

    def test_the_admin_action_forgets_the_posts_pages_and_the_index(self):
        with mock.patch("blog.admin.messages"):
            PostAdmin(Post, site).forget_pages(None, Post.objects.filter(pk=self.post.pk))
        row = PendingPurge.objects.get()
        self.assertEqual((row.tags, row.withdraw), (f"post:{self.post.pk} post-list", True))
