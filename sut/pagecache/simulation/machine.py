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
- every page and grace copy stored is listed under each of its tags (a purge of each reaches it);
- and, as the commands are applied, no render lets go of a lease another render holds.

A violation raises its own kind of error, so that Hypothesis shrinks each kind on its own.
"""

import contextlib
import hashlib
import io
import logging
import threading
from datetime import timedelta
from unittest import mock

import greenlet
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from blog.models import Post
from pagecache import grace, leases, outbox, renders, store, tags
from pagecache.models import PendingPurge
from pagecache.ring import Ring
from pagecache.simulation.model import Model
from pagecache.simulation.scheduler import Simulator

HOSTS = ("localhost", "127.0.0.1")
POSTS = 2
BOUND = 2  # seconds: a purge applied reaches every reader within it
ACTOR = st.integers(0, 3)
# The kinds of key a command can be on, for "run an actor until its next command on one".
KIND_PREFIXES = {
    "list": tags.TAG_PREFIX,
    "lease": leases.LEASE_PREFIX,
    "generation": renders.GENERATION_KEY,
}
KINDS = ("page", *KIND_PREFIXES)
POST = st.integers(0, POSTS - 1)
# Entries a chunk of a tag's list holds, drawn for each history: lists spanning several items,
# or each in one.
CHUNKS = (2, 10_000)


class StalePage(AssertionError):
    """A page is served that was rendered before a change it shows."""


class WithdrawnCopy(AssertionError):
    """A grace copy is kept that was rendered before its address was withdrawn."""


class Unreachable(AssertionError):
    """A stored page or grace copy is missing from one of its tag lists: no purge reaches it."""


class SecondRender(AssertionError):
    """A render let go of a lease another render holds: the next reader renders the page beside it."""


class RefusedWrite(AssertionError):
    """The database refused a write the model allows."""


def searched(name):
    """A rule's precondition: it is part of the search unless the run or this history leaves it out."""
    return lambda machine: name not in machine.without and name not in machine.off


# How far a reader's request runs at once: to its first command, to its first store (its view
# has read the database), to its first entry in a tag list (its page is stored), to its end.
READERS = ("arrives", "has read the content", "has stored its page", "is served")
# How far a round of the purger runs at once: past its read of the tag lists on one memcached
# (it deletes there next), past its deletion of the pages they name (it trims the lists next),
# or to its end; answer and run_until_its_next take it on.
PURGE_STEPS = {
    "has read the lists": lambda machine, op: op.method == "gets_many" and machine.is_on(op, "list"),
    "has deleted the pages": lambda machine, op: op.method == "delete_many",
}
PURGES = (*PURGE_STEPS, "whole")
EDITS = (
    "retitle", "fix a typo", "move", "unpublish", "clear the publication time", "schedule for tomorrow",
    "republish", "delete",
)  # fmt: skip
FAULTS = ("timed out", "answer lost", "refused")
# Swarm testing: each history leaves some of these out, so that the others come more often (a
# hole that needs several of one kind is found sooner). SIMULATION_WITHOUT leaves them out of all.
SCHEDULING = (
    "answer",
    "run_until_its_next",
    "run_to_end",
    "late_command_lands",
    "settle",
    "whole purger rounds",
)
SWARM = (*READERS, "comes back", *EDITS, *FAULTS, *SCHEDULING, "forget", "memcached_restarts", "time_passes")


def _stores(op):
    return op.method in ("set", "set_many", "add", "cas", "append") or (
        op.method == "raw_command" and op.args[0][:3] in (b"ms ", b"ma ")
    )


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
    """Set servers (the memcached pool's addresses) on the class before running it; without: the
    names of rules left out of the search (to look past a hole already found)."""

    servers = ()
    without = frozenset()
    histories = 0  # how many this process ran (a failure says how many it took)

    def __init__(self):
        super().__init__()
        PageCacheHistories.histories += 1
        self.model = Model()
        self.keys = {md5(host + address): (host, address) for host in HOSTS for address in ("/",)}
        self.sim = Simulator(self.servers, tracked=self.tracked, observe=self.observe)
        self.holders = {}  # lease key -> the actor whose add took it, while it lives
        self.deleted = []  # (host, address) of each page the purger's last deletion reached
        self.purger = outbox.Purger()
        self.pending_starts = []
        store._pool.cache_clear()  # nodes made afresh: what they remember starts empty
        for real in self.sim.real.values():
            real.flush_all(noreply=False)
        self.undo = contextlib.ExitStack()  # every patch undone at the end, whatever fails
        for patch in (
            # nginx's ring over names that do not change from run to run (the servers' ports do):
            # a key goes to the same memcached every time, and a history replays.
            mock.patch.object(store, "node_for", _stable_ring(store.nodes())),
            mock.patch.object(store.Node, "client", _in_the_simulation(self.sim, store.Node.client)),
            mock.patch.object(leases, "_renewer", _NoRenewal()),
            mock.patch.object(grace, "threading", _Threading(self)),
            mock.patch.object(renders.Render, "store", _recording_store(self)),
            # Requests run inside the test's transaction, on its connection (a revalidation's
            # handler would close it at the start of its request).
            mock.patch.object(connection, "close_if_unusable_or_obsolete", lambda: None),
            mock.patch.object(logging.getLogger("pagecache"), "disabled", True),  # the history says it
        ):
            self.undo.enter_context(patch)
        self.undo.enter_context(connection.execute_wrapper(self.reading))
        self.undo.callback(self.sim.close)
        self.undo.enter_context(_rolled_back())  # the history's writes, undone at its end
        self.failed = False
        self.off = frozenset()

    @initialize(off=st.sets(st.sampled_from(SWARM), max_size=len(SWARM) - 3), chunk=st.sampled_from(CHUNKS))
    def content(self, off, chunk):
        self.off = off
        self.undo.enter_context(override_settings(PAGECACHE_TAG_CHUNK=chunk))
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

    def observe(self, op, answer):
        """Who holds each lease: taken by an add, let go by its holder's release, ended by time;
        and which pages the purger deleted last."""
        keys = op.keys() or []
        if op.actor.name.startswith("purger") and op.method == "delete_many":
            self.deleted = [self.keys[key] for key in keys if key in self.keys]
        lease = keys[0] if keys and keys[0].startswith(leases.LEASE_PREFIX) else None
        if lease is None:
            return
        if op.method == "add" and answer:
            self.holders[lease] = op.actor
        elif (op.method == "raw_command" and answer.startswith(b"HD")) or (op.method == "cas" and answer):
            holder = self.holders.pop(lease, None)
            if holder is not None and holder is not op.actor and not holder.done:
                raise SecondRender(
                    f"{op.actor.name} let go of the lease {holder.name} holds while it renders"
                )

    def forget_ended_leases(self):
        for lease in list(self.holders):
            server = store.node_for(lease.removeprefix(leases.LEASE_PREFIX)).server
            if lease not in self.sim.expiry[server]:
                del self.holders[lease]

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

    @rule(how=st.sampled_from(READERS), host=st.sampled_from(HOSTS), address=st.integers(0, 7))
    def reader(self, how, host, address):
        """A reader's request, run as far as READERS says, every command answered at once."""
        actor = self.spawn_reader(host, self.address(address))
        if how == "has read the content":
            self.run_until(actor, "page")
        elif how == "has stored its page":
            self.run_until(actor, "list")
        elif how == "is served":
            self.finish(actor)
        self.start_pending()

    @precondition(lambda self: self.deleted and searched("comes back")(self))
    @rule(page=st.integers(0, 3))
    def reader_comes_back(self, page):
        """A reader asks at once for a page the purger just deleted (a popular page is asked for
        again at once, often while the purge is still under way), and is served."""
        host, address = self.deleted[page % len(self.deleted)]
        self.finish(self.spawn_reader(host, address))

    # -- the scheduler's decisions ----------------------------------------------------------------

    @precondition(lambda self: self.waiting())
    @rule(actor=ACTOR)
    def answer(self, actor):
        """The actor's command is applied and answered."""
        self.sim.advance(self.pick(actor))
        self.start_pending()

    @precondition(lambda self: self.waiting())
    @rule(actor=ACTOR, kind=st.sampled_from(KINDS))
    def run_until_its_next(self, actor, kind):
        """Every command answered at once, up to the actor's next command on a key of that kind."""
        self.run_until(self.pick(actor), kind)
        self.start_pending()

    @precondition(lambda self: self.waiting())
    @rule(actor=ACTOR)
    def run_to_end(self, actor):
        self.finish(self.pick(actor))

    @precondition(lambda self: self.waiting() and self.allowed(FAULTS))
    @rule(actor=ACTOR, data=st.data())
    def fault(self, actor, data):
        """memcached's bad day for the actor's command: the client gives up (it may still land),
        the answer is lost after memcached applied it, or a full memcached refuses a store."""
        chosen, kind = self.pick(actor), data.draw(st.sampled_from(self.allowed(FAULTS)), label="fault")
        if kind == "refused" and not _stores(chosen.op):
            return
        {"timed out": self.sim.time_out, "answer lost": self.sim.answer_lost, "refused": self.sim.refuse}[
            kind
        ](chosen)
        self.start_pending()

    @precondition(lambda self: self.sim.in_flight())
    @rule(op=st.integers(0, 3))
    def late_command_lands(self, op):
        flying = self.sim.in_flight()
        self.sim.land(flying[op % len(flying)])

    @precondition(searched("memcached_restarts"))
    @rule(node=st.integers(0, 1))
    def memcached_restarts(self, node):
        self.sim.restart(self.servers[node % len(self.servers)])
        self.forget_ended_leases()
        self.start_pending()

    @precondition(searched("time_passes"))
    @rule(seconds=st.sampled_from([1, 2, 300]))
    def time_passes(self, seconds):
        self.sim.advance_time(seconds)
        self.forget_ended_leases()

    def run_until(self, actor, kind):
        """Up to its next command on a key of that kind (for a page: its next write of one)."""
        while not actor.done and not self.is_on(actor.op, kind):
            self.sim.advance(actor)

    def is_on(self, op, kind):
        """Whether op names a key of that kind (for a page: writes one)."""
        return any(self.kind_of(key) == kind for key in self.named(op, kind))

    @staticmethod
    def named(op, kind):
        if op is None:
            return []
        return (op.keys() or []) if kind == "page" else op.named()

    def kind_of(self, key):
        if self.tracked(key):
            return "page"
        for kind, prefix in KIND_PREFIXES.items():
            if key.startswith(prefix):
                return kind
        return None

    def pick(self, index):
        waiting = self.waiting()
        return waiting[index % len(waiting)]

    def allowed(self, names):
        return [name for name in names if searched(name)(self)]

    # -- the purger -----------------------------------------------------------------------------

    @precondition(lambda self: not self.purging())
    @rule(how=st.sampled_from(PURGES), node=st.integers(0, 1))
    def purger_round(self, how, node):
        self.purge(how, node)

    def purge(self, how, node):
        """A round of the purger, run as far as PURGES says (on that memcached), every command
        answered at once."""
        actor = self.sim.spawn("purger#", self.purger.round)
        if how == "whole":
            self.finish(actor)
            return
        server, step = self.servers[node % len(self.servers)], PURGE_STEPS[how]
        while not actor.done and not (actor.op.server == server and step(self, actor.op)):
            self.sim.advance(actor)
        if not actor.done:
            self.sim.advance(actor)

    def purging(self):
        return any(actor.name.startswith("purger") for actor in self.sim.live())

    # -- editors and operators ------------------------------------------------------------------

    @precondition(lambda self: self.allowed(EDITS))
    @rule(post=POST, data=st.data(), then=st.sampled_from(("no purge yet", *PURGES)), node=st.integers(0, 1))
    def editor(self, post, data, then, node):
        """An editor's write to a post (the database's triggers record what it purges), then a
        round of the purger at once (as its 50 ms polls mostly do), run as far as PURGES says."""
        action = data.draw(st.sampled_from(self.allowed(EDITS)), label="action")
        self.edit(post, action)
        if then in PURGES and not self.purging():
            self.purge(then, node)

    def edit(self, post, action):
        pk, epoch = self.pks[post], self.model.epoch + 1
        if not self.model.posts[pk].exists:
            return
        if action == "delete":
            self.sim.say(f"editor: delete post {pk}")
            Post.objects.filter(pk=pk).delete()
            self.model.change(pk, exists=False)
            return
        change, fields = {
            "retitle": ({}, {"title": f"T{post}.{epoch}"}),
            "fix a typo": ({}, {"body": f"B{post}.{epoch}"}),  # same title, same reading time
            "move": ({"slug": f"p{post}-{epoch}"}, {"slug": f"p{post}-{epoch}"}),
            "unpublish": ({"visible": False}, {"status": "draft"}),
            "clear the publication time": ({"visible": False}, {"published_at": None}),
            "schedule for tomorrow": (
                {"visible": False},
                {"status": "published", "published_at": timezone.now() + timedelta(days=1)},
            ),
            "republish": (
                {"visible": True},
                {"status": "published", "published_at": timezone.now() - timedelta(minutes=1)},
            ),
        }[action]
        self.write(pk, action, change, fields)

    def write(self, pk, what, change, fields):
        """One UPDATE of the post, then the model's account of it (a write that changes nothing is none)."""
        if Post.objects.filter(pk=pk).values(*fields).get() == fields:
            return
        self.sim.say(f"editor: {what}: post {pk}")
        try:
            Post.objects.filter(pk=pk).update(**fields)
        except Exception as error:
            self.failed = True
            raise RefusedWrite(f"{what}: the database refused it: {error}") from error
        self.model.change(pk, **change)

    @precondition(searched("forget"))
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
        self.forget_ended_leases()
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
                    counter = real.get(tags.TAG_PREFIX + tag)
                    lists = real.get_many(tags.chunks(tag, counter)).values()
                    listed = {tags.page_of(entry) for raw in lists for entry in tags.entries(raw)}
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
            self.undo.close()


@contextlib.contextmanager
def _rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _stable_ring(nodes):
    names = [f"memcached-{number}:{11211 + number}" for number in range(1, len(nodes) + 1)]
    ring, by_name = Ring(names), dict(zip(names, nodes, strict=True))
    return lambda key: by_name[ring.server_for(key)]


def _in_the_simulation(sim, real):
    """Node.client: the scheduler's for the simulation's greenlets; another thread (a lease
    renewer left by an earlier test) keeps its real connection."""

    def client(node):
        return sim.client(node) if threading.current_thread() is threading.main_thread() else real(node)

    return client


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
