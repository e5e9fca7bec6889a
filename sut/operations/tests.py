"""Operators' tools: clusters, the resumable runner (kill -9 included), groups in bulk, copies."""

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from unittest import skipIf

from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase, TransactionTestCase, override_settings

from blog.models import Post, Tag
from blog.search import SEARCH_VERSION, search_text
from operations import broker
from operations.clusters import done_clusters, parse_cluster, slice_of
from publication.testing import free_port

NOWHERE = f"127.0.0.1:{free_port()}"  # no memcached: purges are skipped quietly
MANAGE = Path(__file__).resolve().parent.parent / "manage.py"


def make_posts(count, author=None):
    author = author or User.objects.create(username=f"writer{time.monotonic_ns()}")
    Post.objects.bulk_create(
        Post(title=f"Post {i}", slug=f"post-{i}", body=f"Body of post {i}, café", author=author)
        for i in range(count)
    )


class ClusterTests(TestCase):
    def test_parse(self):
        self.assertEqual(parse_cluster("3/10"), (3, 10))
        for bad in ("0/3", "4/3", "x", "1/0", ""):
            with self.assertRaises(CommandError):
                parse_cluster(bad)

    def test_slices_are_disjoint_and_cover_every_row(self):
        make_posts(103)
        seen = []
        for index in range(1, 8):
            seen += list(slice_of(Post.objects.all(), index, 7).values_list("pk", flat=True))
        self.assertEqual(sorted(seen), sorted(Post.objects.values_list("pk", flat=True)))
        self.assertEqual(len(seen), len(set(seen)))

    def test_slices_are_deterministic(self):
        make_posts(20)
        first = list(slice_of(Post.objects.all(), 2, 3).values_list("pk", flat=True))
        self.assertEqual(first, list(slice_of(Post.objects.all(), 2, 3).values_list("pk", flat=True)))

    def test_search_text_is_folded_and_deduplicated(self):
        self.assertEqual(search_text("Café Café", "the CAFE, again"), "cafe the again")


@override_settings(PAGECACHE_MEMCACHED=NOWHERE)
class RebuildSearchTests(TestCase):
    def test_one_cluster_does_its_rows_only_and_only_once(self):
        make_posts(30)
        self.assertEqual(call_command("rebuild_search", cluster="1/3", verbosity=0), "10")
        done = Post.objects.filter(search_version=SEARCH_VERSION)
        self.assertEqual(sorted(done.values_list("pk", flat=True)),
                         sorted(slice_of(Post.objects.all(), 1, 3).values_list("pk", flat=True)))  # fmt: skip
        self.assertEqual(call_command("rebuild_search", cluster="1/3", verbosity=0), "0")

    def test_a_post_it_cannot_index_fails_the_cluster_and_changes_nothing(self):
        make_posts(10)
        Post.objects.filter(pk=Post.objects.order_by("pk")[0].pk).update(title=" ")
        with self.assertRaisesMessage(CommandError, "cannot be indexed"):
            call_command("rebuild_search", verbosity=0)
        self.assertFalse(Post.objects.filter(search_version=SEARCH_VERSION).exists())


class RunnerTests(TransactionTestCase):
    """The runner, as an operator runs it: its own process, on the test database."""

    def setUp(self):
        self.log = Path(connection.settings_dict["NAME"]).with_suffix(f".{os.getpid()}.log")
        self.addCleanup(self.log.unlink, missing_ok=True)

    def runner(self, *args):
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
            "MEMCACHED": NOWHERE,
        }
        argv = [sys.executable, str(MANAGE), "run_clustered", "rebuild_search", "--log", str(self.log), *args]
        return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def test_kill_9_mid_run_then_restart_completes_every_cluster_once(self):
        make_posts(3000)
        clusters = 60
        first = self.runner("--clusters", str(clusters), "--pool", "2")
        deadline = time.monotonic() + 60
        while len(done_clusters(self.log, clusters)) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        interrupted = len(done_clusters(self.log, clusters))
        self.assertLess(interrupted, clusters, "the run finished before it could be killed")
        second = self.runner("--clusters", str(clusters), "--pool", "2")
        output, _ = second.communicate(timeout=120)
        self.assertEqual(second.returncode, 0, output)
        self.assertIn(f"resuming: {interrupted} of {clusters} clusters already done", output)
        lines = [line.split()[1] for line in self.log.read_text().splitlines()]
        self.assertEqual(
            sorted(lines, key=lambda c: int(c.split("/")[0])), [f"{i}/{clusters}" for i in range(1, 61)]
        )
        self.assertEqual(Post.objects.exclude(search_version=SEARCH_VERSION).count(), 0)

    def test_failing_cluster_is_named_the_run_stops_and_resumes_after_the_fix(self):
        make_posts(40)
        broken = Post.objects.order_by("pk")[5]
        Post.objects.filter(pk=broken.pk).update(title="")
        cluster = broken.pk % 4 + 1
        failing = self.runner("--clusters", "4", "--pool", "1")
        output, _ = failing.communicate(timeout=60)
        self.assertNotEqual(failing.returncode, 0)
        self.assertIn(f"cluster(s) {cluster} of 4 failed", output)
        Post.objects.filter(pk=broken.pk).update(title="Fixed")
        fixed = self.runner("--clusters", "4", "--pool", "1")
        output, _ = fixed.communicate(timeout=60)
        self.assertEqual(fixed.returncode, 0, output)
        self.assertEqual(Post.objects.exclude(search_version=SEARCH_VERSION).count(), 0)
        self.assertEqual(sorted(done_clusters(self.log, 4)), [1, 2, 3, 4])

    def test_reuse_runs_several_clusters_per_worker(self):
        make_posts(40)
        run = self.runner("--clusters", "8", "--pool", "2", "--reuse", "4")
        output, _ = run.communicate(timeout=60)
        self.assertEqual(run.returncode, 0, output)
        self.assertIn("8 clusters run", output)
        workers = int(re.search(r"by (\d+) worker processes", output)[1])
        self.assertLessEqual(workers, 4, "each worker should have run several clusters")


BROKER_DOWN = broker.unreachable()


@skipIf(BROKER_DOWN, BROKER_DOWN or "")
class CeleryRunnerTests(TransactionTestCase):
    """Two worker processes (two "machines") share the clusters; one is killed in a cluster."""

    RECEIVED = re.compile(r"run_cluster\[([0-9a-f-]+)\] received")
    SUCCEEDED = re.compile(r"run_cluster\[([0-9a-f-]+)\] succeeded")

    def setUp(self):
        base = Path(connection.settings_dict["NAME"]).with_suffix(f".{os.getpid()}")
        self.log, self.logs = base.with_suffix(".celery.log"), {}
        self.env = {**os.environ, "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
                    "MEMCACHED": NOWHERE, "CELERY_QUEUE": f"test-{uuid.uuid4().hex[:8]}"}  # fmt: skip
        self.workers = {}
        for name in ("first", "second"):
            self.logs[name] = base.with_suffix(f".{name}.log")
            self.addCleanup(self.logs[name].unlink, missing_ok=True)
            argv = [sys.executable, "-m", "celery", "-A", "operations.tasks", "worker", "--concurrency", "1",
                    "-n", f"{name}@%h", "-l", "info", "--without-gossip", "--without-mingle"]  # fmt: skip
            with open(self.logs[name], "w") as out:
                self.workers[name] = subprocess.Popen(
                    argv,
                    cwd=MANAGE.parent,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.addCleanup(self._stop, self.workers[name])
        self.addCleanup(self.log.unlink, missing_ok=True)
        deadline = time.monotonic() + 30
        while not all("ready." in path.read_text() for path in self.logs.values()):
            self.assertLess(time.monotonic(), deadline, "the workers did not start")
            time.sleep(0.1)

    @staticmethod
    def _stop(worker):
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)

    def test_a_worker_killed_in_a_cluster_loses_nothing(self):
        make_posts(30000)
        argv = [sys.executable, str(MANAGE), "run_clustered", "rebuild_search", "--clusters", "60",
                "--engine", "celery", "--log", str(self.log)]  # fmt: skip
        runner = subprocess.Popen(
            argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.monotonic() + 120
        while True:
            text = self.logs["first"].read_text()
            finished = set(self.SUCCEEDED.findall(text))
            running = [task for task in self.RECEIVED.findall(text) if task not in finished]
            if len(finished) >= 2 and running:
                break
            self.assertLess(time.monotonic(), deadline, "the first worker ran no cluster")
            time.sleep(0.01)
        os.killpg(self.workers["first"].pid, signal.SIGKILL)  # the whole "machine", mid-cluster
        output, _ = runner.communicate(timeout=180)
        self.assertEqual(runner.returncode, 0, output)
        self.assertIn(running[0], self.SUCCEEDED.findall(self.logs["second"].read_text()))
        self.assertEqual(sorted(done_clusters(self.log, 60)), list(range(1, 61)))
        self.assertEqual(len(self.log.read_text().splitlines()), 60)  # each cluster logged once
        self.assertEqual(Post.objects.exclude(search_version=SEARCH_VERSION).count(), 0)

    def test_a_failing_cluster_is_named_and_a_restart_resumes_after_the_fix(self):
        make_posts(40)
        broken = Post.objects.order_by("pk")[5]
        Post.objects.filter(pk=broken.pk).update(title="")
        argv = [sys.executable, str(MANAGE), "run_clustered", "rebuild_search", "--clusters", "4", "--engine",
                "celery", "--keep-going", "--log", str(self.log)]  # fmt: skip
        failing = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=120)
        self.assertNotEqual(failing.returncode, 0)
        self.assertIn(f"cluster(s) {broken.pk % 4 + 1} of 4 failed", failing.stderr)
        self.assertEqual(len(done_clusters(self.log, 4)), 3)  # --keep-going: the other three ran
        Post.objects.filter(pk=broken.pk).update(title="Fixed")
        fixed = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=120)
        self.assertEqual(fixed.returncode, 0, fixed.stdout + fixed.stderr)
        self.assertIn("resuming: 3 of 4 clusters already done", fixed.stdout)
        self.assertEqual(sorted(done_clusters(self.log, 4)), [1, 2, 3, 4])
        self.assertEqual(Post.objects.exclude(search_version=SEARCH_VERSION).count(), 0)

    def test_a_worker_on_older_code_is_named_and_nothing_waits_for_it(self):
        folder = Path(self.log).with_suffix(".old")
        folder.mkdir(exist_ok=True)
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        (folder / "oldsite.py").write_text(  # a site from before the task existed, on the same queue
            "import os\nfrom celery import Celery\n"
            "app = Celery('old', broker=os.environ['CELERY_BROKER_URL'])\n"
            "app.conf.task_default_queue = os.environ['CELERY_QUEUE']\n"
        )
        env = {
            **self.env,
            "CELERY_BROKER_URL": broker.BROKER_URL,
        }
        argv = [sys.executable, "-m", "celery", "-A", "oldsite", "worker", "-Q", env["CELERY_QUEUE"],
                "-l", "info", "--concurrency", "1", "-n", "old@%h",
                "--without-gossip", "--without-mingle"]  # fmt: skip
        with open(folder / "old.log", "w") as out:
            plain = {name: value for name, value in env.items() if "DJANGO" not in name}  # not a Django site
            old = subprocess.Popen(argv, cwd=folder, env=plain, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
        self.addCleanup(self._stop, old)
        deadline = time.monotonic() + 30
        while "ready." not in (folder / "old.log").read_text():
            self.assertLess(time.monotonic(), deadline, (folder / "old.log").read_text()[-1500:])
            time.sleep(0.1)
        argv = [sys.executable, str(MANAGE), "run_clustered", "rebuild_search", "--clusters", "4", "--engine",
                "celery"]  # fmt: skip
        result = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertRegex(result.stderr, r"worker\(s\) old@\S+ do not know the task operations.run_cluster")

    def test_no_broker_is_one_line_naming_it_and_nothing_is_sent(self):
        env = {**self.env, "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"}
        argv = [
            sys.executable,
            str(MANAGE),
            "run_clustered",
            "rebuild_search",
            "--clusters",
            "4",
            "--engine",
            "celery",
        ]
        result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 2)
        self.assertRegex(
            result.stderr, rf"^CommandError: no Celery broker answers at {env['CELERY_BROKER_URL']}: "
        )
        self.assertEqual(result.stderr.count("\n"), 1)


class GroupTests(TestCase):
    def setUp(self):
        User.objects.bulk_create(
            [User(username=f"a{i}", email=f"a{i}@example.org") for i in range(30)]
            + [User(username=f"b{i}", email=f"b{i}@other.net") for i in range(20)]
        )

    def run_command(self, *args):
        return call_command("add_users_to_group", *args, stdout=io.StringIO())

    def test_domain_then_again_changes_nothing(self):
        self.assertEqual(self.run_command("Editors", "--email-domain", "example.org", "--create"), "30 0")
        self.assertEqual(self.run_command("Editors", "--email-domain", "example.org"), "0 30")
        self.assertEqual(Group.objects.get(name="Editors").user_set.count(), 30)

    def test_all_and_usernames(self):
        self.assertEqual(self.run_command("Staff", "--username", "a1", "b1", "--create"), "2 0")
        self.assertEqual(self.run_command("Staff", "--all"), "48 2")

    def test_unknown_group_or_user(self):
        with self.assertRaises(CommandError):
            self.run_command("Nobody", "--all")
        with self.assertRaises(CommandError):
            self.run_command("Staff", "--username", "ghost", "--create")

    def test_bulk_inserts_not_a_save_per_user(self):
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            self.run_command("Everyone", "--all", "--create")
        User.objects.bulk_create(User(username=f"c{i}", email=f"c{i}@x.org") for i in range(2000))
        with CaptureQueriesContext(connection) as many:
            self.run_command("Everyone again", "--all", "--create")
        # Inserts go in batches (SQLite's variable limit makes them ~500 rows), never one a user.
        self.assertLess(len(many), len(few) + 10, f"{len(many)} queries for 2050 users")
        self.assertEqual(Group.objects.get(name="Everyone again").user_set.count(), 2050)


@override_settings(PAGECACHE_MEMCACHED=NOWHERE)
class DuplicateTests(TestCase):
    def setUp(self):
        author = User.objects.create(username="erin")
        self.post = Post.objects.create(
            title="T", slug="t", body="b", author=author, status=Post.Status.PUBLISHED
        )
        self.post.tags.set([Tag.objects.create(name="news"), Tag.objects.create(name="cache")])

    def test_copy_is_a_draft_with_its_own_slug_tags_and_author(self):
        copy = self.post.duplicate()
        self.assertNotEqual(copy.pk, self.post.pk)
        self.assertEqual((copy.slug, copy.status, copy.published_at), ("t-copy", Post.Status.DRAFT, None))
        self.assertEqual(copy.author, self.post.author)
        self.assertEqual(sorted(copy.tags.values_list("name", flat=True)), ["cache", "news"])

    def test_copies_get_the_next_free_slug(self):
        slugs = [self.post.duplicate().slug for _ in range(3)]
        self.assertEqual(slugs, ["t-copy", "t-copy-2", "t-copy-3"])

    def test_a_slug_taken_meanwhile_never_fails_the_copy(self):
        from unittest import mock

        original = Post.save
        taken = []

        def save(post, *args, **kwargs):
            if post.slug == "t-copy" and post.title == "T" and not taken:  # another copy lands first
                taken.append(True)
                Post.objects.create(title="X", slug="t-copy", author=post.author)
            return original(post, *args, **kwargs)

        with mock.patch.object(Post, "save", save):
            copy = self.post.duplicate()
        self.assertEqual(copy.slug, "t-copy-2")
