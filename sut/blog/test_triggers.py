"""The purge triggers under SQL's three-valued logic: every value the withdrawal condition reads,
NULL included, on the database the tests run on (SQLite; `make sut-tests` runs it on PostgreSQL too)."""

import itertools
from datetime import timedelta

from django.contrib.auth.models import User
from django.test import TestCase
from django.utils import timezone

from blog.models import Post
from pagecache.models import PendingPurge

STATUSES = ("published", "draft")
TIMES = ("null", "past", "future")


def moment(name):
    now = timezone.now()
    return {"null": None, "past": now - timedelta(hours=1), "future": now + timedelta(hours=1)}[name]


def withdrawal_expected(old_status, new_status, new_time):
    """The reference: a post that was published, and that readers can no longer see."""
    gone = new_status != "published" or new_time in ("null", "future")
    return old_status == "published" and gone


class WithdrawalConditionTests(TestCase):
    def setUp(self):
        self.author = User.objects.create(username="erin")

    def recorded(self, old, new):
        """(tags, withdraw) of the purges due now after a post goes from old to new (status, time)."""
        post = Post.objects.create(title="T", slug="t", author=self.author)
        Post.objects.filter(pk=post.pk).update(status=old[0], published_at=moment(old[1]))
        PendingPurge.objects.all().delete()
        Post.objects.filter(pk=post.pk).update(title="T2", status=new[0], published_at=moment(new[1]))
        due = PendingPurge.objects.filter(due__lte=timezone.now()).order_by("id")
        return [(row.tags, row.withdraw) for row in due], post.pk

    def test_every_combination_of_values_records_exactly_one_purge_of_the_right_kind(self):
        for old, new in itertools.product(itertools.product(STATUSES, TIMES), repeat=2):
            with self.subTest(old=old, new=new):
                rows, pk = self.recorded(old, new)
                expected = withdrawal_expected(old[0], new[0], new[1])
                self.assertEqual(rows, [(f"post:{pk} post-list", expected)])
            Post.objects.all().delete()

    def test_a_cleared_publication_time_is_a_withdrawal(self):
        rows, pk = self.recorded(("published", "past"), ("published", "null"))
        self.assertEqual(rows, [(f"post:{pk} post-list", True)])


class MovedPostTests(TestCase):
    def test_a_new_slug_withdraws_the_post_s_own_page_alone(self):
        author = User.objects.create(username="erin")
        post = Post.objects.create(
            title="T", slug="t", author=author, status="published", published_at=moment("past")
        )
        PendingPurge.objects.all().delete()
        Post.objects.filter(pk=post.pk).update(slug="t-moved")
        rows = [(row.tags, row.withdraw) for row in PendingPurge.objects.order_by("id")]
        self.assertEqual(rows, [(f"post:{post.pk} post-list", False), (f"post:{post.pk}", True)])

    def test_a_draft_s_new_slug_withdraws_its_page_too_and_the_index_stays(self):
        author = User.objects.create(username="erin")
        post = Post.objects.create(title="T", slug="t", author=author)
        PendingPurge.objects.all().delete()
        post.slug = "t2"
        post.save()
        withdrawn = [row.tags for row in PendingPurge.objects.filter(withdraw=True)]
        self.assertEqual(withdrawn, [f"post:{post.pk}"])
