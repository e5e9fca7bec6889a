"""The page cache's histories as a Hypothesis state machine: each rule one decision of the scheduler.

Readers on two hosts ask for the index and for every address a post has had, through the whole
middleware stack; editors edit, fix a typo, move, unpublish, clear the publication time, delete,
schedule and republish posts, or an operator forgets an address (the database's triggers record
the purges, as on the site); the purger applies them in rounds. Every memcached command of a
reader or the purger waits for the scheduler (scheduler.py), and the clock moves only when a rule
says so. Whenever the history quiesces (settle, and at the end of every history: every command in
flight applied, every actor finished, the purger caught up, the bound of 2 s passed), the oracle
reads memcached as nginx would and checks, for every address on every host:

- the page stored is the latest version (rendered from content read after its last change);
- the grace copy was rendered after the address's last withdrawal (none for a withdrawn address);
- every page and grace copy stored is listed under each of its tags (a purge of each reaches it).

A violation raises its own kind of error, so that Hypothesis shrinks each kind on its own.
"""

import hashlib
import io
import logging
from datetime import timedelta
from unittest import mock

import greenlet
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from blog.models import Post
from pagecache import grace, leases, outbox, renders, store, tags
from pagecache.models import PendingPurge
from pagecache.simulation.model import Model
from pagecache.simulation.scheduler import Simulator

HOSTS = ("localhost", "127.0.0.1")
POSTS = 2
BOUND = 2  # seconds: a purge applied reaches every reader within it
ACTOR = st.integers(0, 3)
POST = st.integers(0, POSTS - 1)


class StalePage(AssertionError):
    """A page is served that was rendered before a change it shows."""


class WithdrawnCopy(AssertionError):
    """A grace copy is kept that was rendered before its address was withdrawn."""


class Unreachable(AssertionError):
    """A stored page or grace copy is missing from one of its tag lists: no purge reaches it."""


class RefusedWrite(AssertionError):
    """The database refused a write the model allows."""


def md5(text):
    return hashlib.md5(text.encode("latin-1")).hexdigest()


class _Threading:
    """grace's threading module inside the simulation: a revalidation is an actor of its own."""

    def __init__(self, machine):
        self.machine = machine

    def Thread(self, target, args, name, daemon):  # noqa: N802 (threading.Thread's name)
        machine = self.machine

        class Started:
            def start(self):
                machine.pending_starts.append(lambda: target(*args))

        return Started()


class PageCacheHistories(RuleBasedStateMachine):
    """Set servers (the memcached pool's addresses) on the class before running it."""

    servers = ()

    def __init__(self):
        super().__init__()
        self.model = Model()
        self.keys = {md5(host + address): (host, address) for host in HOSTS for address in ("/",)}
        self.sim = Simulator(self.servers, tracked=self.tracked)
        self.purger = outbox.Purger()
        self.pending_starts = []
        store._pool.cache_clear()  # nodes made afresh: what they remember starts empty
        for real in self.sim.real.values():
            real.flush_all(noreply=False)
        self.patches = [
            mock.patch.object(store.Node, "client", lambda node: self.sim.client(node)),
            mock.patch.object(leases, "_renewer", _NoRenewal()),
            mock.patch.object(grace, "threading", _Threading(self)),
            mock.patch.object(renders.Render, "store", _recording_store(self)),
            # Requests run inside the test's transaction, on its connection (a revalidation's
            # handler would close it at the start of its request).
            mock.patch.object(connection, "close_if_unusable_or_obsolete", lambda: None),
        ]
        for patch in self.patches:
            patch.start()
        self.wrapper = connection.execute_wrapper(self.reading)
        self.wrapper.__enter__()
        self.history = transaction.atomic()  # rolled back at the end of the history
        self.history.__enter__()
        self.failed = False
        logging.getLogger("pagecache").disabled = True  # the history says what memcached did

    @initialize()
    def content(self):
        author = User.objects.get_or_create(username="erin", defaults={"first_name": "Erin"})[0]
        published = timezone.now() - timedelta(hours=1)
        for n in range(POSTS):
            post = Post.objects.create(
                title=f"T{n}.0", slug=f"p{n}", body=f"B{n}.0", author=author,
                status="published", published_at=published,
            )  # fmt: skip
            self.model.add(post.pk, post.slug)
        PendingPurge.objects.all().delete()
        self.pks = sorted(self.model.posts)

    # -- what the scheduler remembers -----------------------------------------------------------

    def tracked(self, key):
        return key.removeprefix(grace.GRACE_PREFIX) in self.keys

    def reading(self, execute, sql, params, many, context):
        actor = self.sim.by_glet.get(greenlet.getcurrent())
        if actor is not None:
            actor.read_epoch = self.model.epoch
        return execute(sql, params, many, context)

    def address(self, index):
        addresses = self.model.addresses()
        return addresses[index % len(addresses)]

    def spawn_reader(self, host, address):
        for h in HOSTS:
            self.keys[md5(h + address)] = (h, address)

        def read():
            response = Client().get(address, HTTP_HOST=host)
            return response.status_code, response.get("X-Cache")

        return self.sim.spawn(f"reader({host}{address})#", read)

    def start_pending(self):
        while self.pending_starts:
            self.sim.spawn("revalidation#", self.pending_starts.pop(0))

    def waiting(self):
        return [actor for actor in self.sim.live() if actor.op is not None]

    def finish(self, actor):
        while not actor.done:
            self.sim.advance(actor)
        self.start_pending()

    # -- readers ------------------------------------------------------------------------------

    @rule(host=st.sampled_from(HOSTS), address=st.integers(0, 7))
    def reader_arrives(self, host, address):
        self.spawn_reader(host, self.address(address))
        self.start_pending()

    @rule(host=st.sampled_from(HOSTS), address=st.integers(0, 7))
    def reader_served(self, host, address):
        """A reader's whole request, every command answered at once."""
        self.finish(self.spawn_reader(host, self.address(address)))

    # -- the scheduler's decisions on one command ---------------------------------------------

    @precondition(lambda self: self.waiting())
    @rule(actor=ACTOR)
    def answer(self, actor):
        self.sim.advance(self.pick(actor))
        self.start_pending()

    @precondition(lambda self: self.waiting())
    @rule(actor=ACTOR)
    def time_out(self, actor):
        self.sim.time_out(self.pick(actor))
        self.start_pending()

    @precondition(lambda self: self.waiting())
    @rule(actor=ACTOR)
    def lose_answer(self, actor):
        self.sim.answer_lost(self.pick(actor))
        self.start_pending()

    @precondition(lambda self: self.waiting())
    @rule(actor=ACTOR)
    def refuse_if_a_store(self, actor):
        chosen = self.pick(actor)
        if chosen.op.method in ("set", "set_many", "add", "cas", "append") or (
            chosen.op.method == "raw_command" and chosen.op.args[0].startswith(b"ms ")
        ):
            self.sim.refuse(chosen)
            self.start_pending()

    @precondition(lambda self: self.sim.in_flight())
    @rule(op=st.integers(0, 3))
    def late_command_lands(self, op):
        flying = self.sim.in_flight()
        self.sim.land(flying[op % len(flying)])

    @precondition(lambda self: self.waiting())
    @rule(actor=ACTOR)
    def run_to_end(self, actor):
        self.finish(self.pick(actor))

    @rule(node=st.integers(0, 1))
    def memcached_restarts(self, node):
        self.sim.restart(self.servers[node % len(self.servers)])
        self.start_pending()

    @rule(seconds=st.sampled_from([1, 2, 300]))
    def time_passes(self, seconds):
        self.sim.advance_time(seconds)

    def pick(self, index):
        waiting = self.waiting()
        return waiting[index % len(waiting)]

    # -- the purger -----------------------------------------------------------------------------

    @precondition(lambda self: not self.purging())
    @rule()
    def purger_round_starts(self):
        self.sim.spawn("purger#", self.purger.round)

    @precondition(lambda self: not self.purging())
    @rule()
    def purger_round(self):
        """A whole round of the purger, every command answered at once."""
        self.finish(self.sim.spawn("purger#", self.purger.round))

    def purging(self):
        return any(actor.name.startswith("purger") for actor in self.sim.live())

    # -- editors --------------------------------------------------------------------------------

    def write(self, index, what, change=None, **fields):
        """An editor's write to a post that still exists, then the model's account of it."""
        pk = self.pks[index]
        if not self.model.posts[pk].exists:
            return
        self.sim.say(f"editor: {what} post {pk}")
        try:
            Post.objects.filter(pk=pk).update(**fields)
        except Exception as error:
            self.failed = True
            raise RefusedWrite(f"{what}: the database refused it: {error}") from error
        self.model.change(pk, **(change or {}))

    @rule(post=POST)
    def edit_title(self, post):
        self.write(post, "retitle", title=f"T{post}.{self.model.epoch + 1}")

    @rule(post=POST)
    def fix_a_typo(self, post):
        """The body alone changes: same title, same reading time."""
        self.write(post, "fix a typo in", body=f"B{post}.{self.model.epoch + 1}")

    @rule(post=POST)
    def move(self, post):
        slug = f"p{post}-{self.model.epoch + 1}"
        self.write(post, f"move to /blog/{slug}/", {"slug": slug}, slug=slug)

    @rule(post=POST)
    def unpublish(self, post):
        self.write(post, "unpublish", {"visible": False}, status="draft")

    @rule(post=POST)
    def clear_publication_time(self, post):
        self.write(post, "clear the publication time of", {"visible": False}, published_at=None)

    @rule(post=POST)
    def schedule(self, post):
        tomorrow = timezone.now() + timedelta(days=1)
        fields = {"status": "published", "published_at": tomorrow}
        self.write(post, "schedule for tomorrow", {"visible": False}, **fields)

    @rule(post=POST)
    def republish(self, post):
        earlier = timezone.now() - timedelta(minutes=1)
        self.write(post, "republish", {"visible": True}, status="published", published_at=earlier)

    @rule(post=POST)
    def delete(self, post):
        pk = self.pks[post]
        if self.model.posts[pk].exists:
            self.sim.say(f"editor: delete post {pk}")
            Post.objects.filter(pk=pk).delete()
            self.model.change(pk, exists=False)

    @rule(address=st.integers(0, 7))
    def operator_forgets(self, address):
        address = self.address(address)
        self.sim.say(f"operator: forget {address}")
        call_command("forget", address, stdout=io.StringIO())
        self.model.forget(address)

    # -- quiescence and the oracle ------------------------------------------------------------

    @rule()
    def settle(self):
        """Everything in flight applied, every actor done, the purger caught up, the bound passed:
        then every address on every host is checked."""
        self.failed = True  # until the oracle is satisfied: the end of the history checks no more
        for _ in range(50):
            for op in list(self.sim.in_flight()):
                self.sim.land(op)
            for actor in self.sim.live():
                self.finish(actor)
            if not outbox.lag()[0] and not self.sim.in_flight() and not self.sim.live():
                break
            self.finish(self.sim.spawn("purger#", self.purger.round))
        else:
            raise AssertionError("the purges were never all applied")
        self.sim.advance_time(BOUND)
        self.check()
        self.failed = False

    def check(self):
        for host in HOSTS:
            for address in self.model.addresses():
                self.check_address(host, address)

    def check_address(self, host, address):
        key = md5(host + address)
        server = store.node_for(key).server
        real = self.sim.real[server]
        page, copy = real.get(key), real.get(grace.grace_key(key))
        if page is not None:
            epoch = self.writer(server, key, host, address)[0]
            if epoch < self.model.changed[address]:
                raise StalePage(
                    f"{host}{address} serves a page rendered at epoch {epoch}, "
                    f"changed at epoch {self.model.changed[address]}"
                )
        if copy is not None:
            epoch = self.writer(server, grace.grace_key(key), host, address)[0]
            if epoch < self.model.withdrawn[address]:
                raise WithdrawnCopy(
                    f"{host}{address} keeps a grace copy rendered at epoch {epoch}, "
                    f"withdrawn at epoch {self.model.withdrawn[address]}"
                )
        for item, body in ((key, page), (grace.grace_key(key), copy)):
            if body is not None:
                for tag in self.writer(server, item, host, address)[1]:
                    listed = {tags.page_of(entry) for entry in tags.entries(real.get(tags.TAG_PREFIX + tag))}
                    if key not in listed:
                        what = "page" if item == key else "grace copy"
                        raise Unreachable(f"{host}{address}: its {what} is not listed under {tag}")

    def writer(self, server, item, host, address):
        found = self.sim.writer[server].get(item)
        assert found is not None, f"{host}{address}: {item} stored by no render the scheduler saw"
        return found

    def teardown(self):
        try:
            if not self.failed:
                self.settle()
        finally:
            note("the history, command by command:\n  " + "\n  ".join(self.sim.log))
            transaction.set_rollback(True)
            self.history.__exit__(None, None, None)
            self.wrapper.__exit__(None, None, None)
            logging.getLogger("pagecache").disabled = False
            for patch in reversed(self.patches):
                patch.stop()
            self.sim.close()


class _NoRenewal:
    """Leases are not renewed: a render keeps its lease while the clock does not pass its end."""

    def hold(self, node, key, deadline):
        pass

    def drop(self, node, key):
        pass


def _recording_store(machine):
    original = renders.Render.store

    def store_(render, body, page_tags, ttl):
        actor = machine.sim.current()
        actor.page_tags = tuple(page_tags)
        return original(render, body, page_tags, ttl)

    return store_
