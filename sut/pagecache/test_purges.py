"""Purges: no page unlisted whatever the interleaving, none lost to a stalled memcached, none
missed by a writer (the database records them), and the purger's bookkeeping."""

import itertools
import os
import signal
from datetime import timedelta
from unittest import skipUnless

from django.contrib.auth.models import User
from django.test import SimpleTestCase, TestCase, override_settings
from django.utils import timezone

from blog.models import Post
from pagecache import outbox, purge, renders, store, tags
from pagecache.models import PendingPurge
from pagecache.store import Unavailable
from pagecache.tests import HAVE_MEMCACHED, WithMemcached, md5

RENDER_STEPS = ("begin", *renders.Render.steps)


def interleavings(first, second):
    """Every order of two sequences of steps that keeps each one's own order."""
    size = len(first) + len(second)
    for places in itertools.combinations(range(size), len(first)):
        order, a, b = [], iter(first), iter(second)
        for index in range(size):
            order.append(("render", next(a)) if index in places else ("purge", next(b)))
        yield order


class Stepped:
    """A render of one page, step by step: begin (generation read, content read), put, list, check."""

    def __init__(self, key, page_tags):
        self.key, self.tags, self.render = key, page_tags, None

    def begin(self):
        self.render = renders.Render(self.key)

    def __getattr__(self, step):
        arguments = {"put": (b"<p>page</p>",), "list": (self.tags,), "check": (), "confirm": (60,)}[step]
        return lambda: self.render.__getattribute__(step)(*arguments)


@skipUnless(HAVE_MEMCACHED, "memcached is not installed (apt-get install memcached)")
class InterleavingTests(WithMemcached, SimpleTestCase):
    """A render before, during and after each step of a purge, on a real memcached: in all 126
    orders, a page rendered before the purge began is gone, and a page still stored is listed
    (the next purge deletes it)."""

    def test_every_interleaving_of_a_render_and_a_purge(self):
        key = md5("localhost/blog/p/")
        orders = list(interleavings(RENDER_STEPS, purge.NodePurge.steps))
        self.assertEqual(len(orders), 126)
        for order in orders:
            node = store.node_for(key)
            node.client().flush_all()
            # Another page, listed before: the purge reads a list that is not empty.
            other = renders.Render(md5("localhost/other/"))
            other.store(b"other", ["post:1"], 60)
            render, purging = Stepped(key, ["post:1"]), purge.NodePurge(node, ["post:1"])
            for who, step in order:
                getattr(render if who == "render" else purging, step)()
            with self.subTest(order=" ".join(f"{who[0]}.{step}" for who, step in order)):
                began_before = order.index(("render", "begin")) < order.index(("purge", "advance"))
                if began_before:
                    self.assertIsNone(node.get(key), "a page rendered before the purge outlived it")
                purge.purge_tags(["post:1"])  # the next edit
                self.assertIsNone(node.get(key), "a page stored and listed nowhere: the next purge missed it")

    def purge_during_a_render(self, withdrawn=()):
        """A page listed, a purge that read the list, a page rendered meanwhile; the list after."""
        node = store.nodes()[0]
        node.client().flush_all()
        first = renders.Render(md5("localhost/a/"))
        first.store(b"a", ["post:1"], 60)
        first.release()
        purging = purge.NodePurge(node, ["post:1"], withdrawn)
        purging.advance()
        purging.read()
        later = renders.Render(md5("localhost/b/"))  # begun after the purge advanced: fresh content
        later.store(b"b", ["post:1"], 60)
        purging.delete()
        purging.trim()
        self.assertEqual(node.get(md5("localhost/b/")), b"b")
        return tags.pages_tagged(node, "post:1")

    def test_a_withdrawal_removes_exactly_the_entries_it_read(self):
        self.assertEqual(self.purge_during_a_render(withdrawn=["post:1"]), [md5("localhost/b/")])

    def test_an_edit_keeps_one_entry_per_page_read_for_its_grace_copy(self):
        self.assertEqual(self.purge_during_a_render(), [md5("localhost/a/"), md5("localhost/b/")])
        with override_settings(PAGECACHE_GRACE=0):  # no grace copy: nothing to keep
            self.assertEqual(self.purge_during_a_render(), [md5("localhost/b/")])


@skipUnless(HAVE_MEMCACHED, "memcached is not installed (apt-get install memcached)")
class StalledMemcachedTests(WithMemcached, TestCase):
    """A purge that meets a frozen memcached waits in the database and is applied once it answers."""

    servers = 2
    page_cache_settings = {"PAGECACHE_TIMEOUT": 0.1}

    def setUp(self):
        super().setUp()
        self.author = User.objects.create(username="erin")

    def tearDown(self):
        for memcached in self.pool:
            os.kill(memcached.process.pid, signal.SIGCONT)
        super().tearDown()

    def stored_page(self, uri, tag):
        key = md5(f"localhost{uri}")
        renders.Render(key).store(b"old", [tag], 60)
        return store.node_for(key), key

    def test_a_purge_meeting_a_frozen_node_is_kept_and_applied_when_it_answers(self):
        pages = [self.stored_page(f"/p{n}/", "post:1") for n in range(12)]
        frozen = self.pool[0]
        os.kill(frozen.process.pid, signal.SIGSTOP)
        outbox.record(["post:1"])
        purger = outbox.Purger()
        self.assertEqual(purger.round(), 0)
        self.assertEqual(PendingPurge.objects.count(), 1, "a purge memcached did not confirm was dropped")
        for node, key in pages:  # the node that answered is purged at once
            if node.server != frozen.address:
                self.assertIsNone(node.get(key))
        os.kill(frozen.process.pid, signal.SIGCONT)
        self.assertEqual(purger.round(), 1)
        self.assertEqual(PendingPurge.objects.count(), 0)
        self.assertEqual([node.get(key) for node, key in pages], [None] * len(pages))

    def test_purge_tags_says_which_node_did_not_confirm(self):
        os.kill(self.pool[1].process.pid, signal.SIGSTOP)
        with self.assertRaisesRegex(Unavailable, self.pool[1].address):
            purge.purge_tags(["post:1"])

    def test_a_node_that_confirmed_is_not_purged_again(self):
        os.kill(self.pool[1].process.pid, signal.SIGSTOP)
        outbox.record(["post:1"])
        purger = outbox.Purger()
        purger.round()
        answering = store.nodes()[0]
        before = answering.get(renders.GENERATION_KEY)
        purger.round()
        self.assertEqual(answering.get(renders.GENERATION_KEY), before)


class RecordedPurgeTests(TestCase):
    """Every writer's change a page shows records its purge, in the database, in its transaction."""

    def setUp(self):
        self.author = User.objects.create(username="erin", first_name="Erin")
        self.post = Post.objects.create(title="Hello", slug="hello", author=self.author, status="published")
        PendingPurge.objects.all().delete()

    def recorded(self):
        return [row.tags for row in PendingPurge.objects.filter(due__lte=timezone.now())]

    def test_a_save_records_its_purge(self):
        self.post.title = "Hello again"
        self.post.save()
        self.assertIn(f"post:{self.post.pk} post-list", self.recorded())

    def test_a_queryset_update_records_its_purge(self):
        Post.objects.filter(pk=self.post.pk).update(title="Bulk")
        self.assertEqual(self.recorded(), [f"post:{self.post.pk} post-list"])

    def test_a_deletion_records_its_purge(self):
        pk = self.post.pk
        self.post.delete()
        self.assertEqual(self.recorded(), [f"post:{pk} post-list"])

    def test_what_no_page_shows_records_nothing(self):
        Post.objects.filter(pk=self.post.pk).update(search_text="words", search_version=9)
        self.author.last_login = timezone.now()
        self.author.save()
        self.assertEqual(self.recorded(), [])

    def test_an_author_renamed_records_a_purge_of_their_pages(self):
        self.author.first_name = "Erina"
        self.author.save()
        self.assertEqual(self.recorded(), [f"author:{self.author.pk}"])

    def test_a_scheduled_post_records_a_purge_due_when_it_appears(self):
        at = timezone.now() + timedelta(hours=1)
        post = Post.objects.create(
            title="Later", slug="later", author=self.author, status="published", published_at=at
        )
        scheduled = PendingPurge.objects.filter(due__gt=timezone.now())
        self.assertEqual([(row.tags, row.due) for row in scheduled], [(f"post:{post.pk} post-list", at)])
        self.assertEqual(outbox.lag()[0], 1)  # only the one due now counts as waiting


class OperatorTests(TestCase):
    """How far behind the purges are: a command, /health/, and a warning in the purger's log."""

    def setUp(self):
        PendingPurge.objects.create(tags="post:1", due=timezone.now() - timedelta(seconds=12))
        PendingPurge.objects.create(tags="post:2", due=timezone.now() + timedelta(hours=1))  # not yet due

    def test_the_purges_command_says_how_many_wait_and_for_how_long(self):
        from io import StringIO

        from django.core.management import call_command

        out = StringIO()
        call_command("purges", stdout=out)
        self.assertRegex(out.getvalue(), r"^1 purges waiting, the oldest for 1[2-9]\.\d s")

    def test_health_says_it_too(self):
        text = self.client.get("/health/").content.decode()
        self.assertIn("purges waiting: 1\n", text)
        self.assertRegex(text, r"oldest purge waiting: 1[2-9]\.\d s")

    def test_the_purger_logs_when_purges_fall_behind(self):
        with self.assertLogs("pagecache", "WARNING") as logged:
            outbox.Purger().watch_lag()
        self.assertRegex(logged.output[0], r"purges behind: 1 waiting, the oldest for 1[2-9]\.\d s")
