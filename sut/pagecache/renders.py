"""A page rendered once for a crowd, and never stored after a purge that followed its start.

Both promises are kept with memcached's own operations, under keys nginx never reads (a page
key holds a page and nothing else):

- **One render for a crowd, however slow.** A request that missed takes the page's *lease*
  (pagecache.leases) and renders; a request that finds the lease held waits in the waiting
  room (pagecache.waitroom), outside the app, until the page is stored, the holder lets go, or
  the reader's time is up. A lease that says MISS: the page is never stored, render it at once.

- **A purge wins over every render in flight, and never unlists a page.** Every purge first
  advances the *generation* counter (one on each memcached of a pool, a render reading its
  page's node's). A render reads the generation before the view reads any content; at the end
  it stores its page, then lists it under its tags (an entry of its own), then checks the
  generation, deleting the page if a purge came in between. Either the purge advanced the
  generation before the check, and the render deletes what it stored; or it did so after, and
  then it read the tag lists after the render had listed the page, so the purge deletes it.
  Either way no page read before a purge outlives it. And a purge removes only the entries it
  read (pagecache.tags): each was appended after its page was stored and the purge deletes
  that page after reading it, so a page stays stored only while its entry stays listed. A
  render that cannot list its page under every tag (memcached out of memory) deletes it.

- **A store that lands late lives PROVISIONAL seconds.** A render stores its page, grace copy
  and validity mark for PROVISIONAL seconds only, and gives them their lifetimes (confirm) once
  they are listed and the generation checked, each only if it is still the one it stored
  (compare-and-swap). A store whose answer never came (a stalled memcached) is not listed, and
  memcached may still apply it when it wakes, after a purge that could not see it: it then
  lives PROVISIONAL seconds at most, and nothing gives it more.
"""

import time
import uuid

from django.conf import settings

from pagecache import grace, leases, store, tags

GENERATION_KEY = "pagecache:generation"
# memcached counts in whole seconds: an item stored for 2 s lives 1 to 2 s.
PROVISIONAL = 2


def generation(node, value=None):
    """The node's purge generation now, created on first use; None when it does not answer."""
    value = value or node.get(GENERATION_KEY)
    if value is None:
        node.add(GENERATION_KEY, _fresh_start(), 0)
        value = node.get(GENERATION_KEY)
    return value


def advance(node):
    """Called by every purge before it deletes anything: renders begun earlier store nothing.

    Unavailable when memcached did not confirm (the purge is then applied again later).
    """

    def run(client):
        if client.incr(GENERATION_KEY, 1, noreply=False) is not None:
            return
        if not client.add(GENERATION_KEY, _fresh_start(), expire=0, noreply=False):
            client.incr(GENERATION_KEY, 1, noreply=False)

    node.confirmed(run)


def _fresh_start():
    # A counter memcached lost (a restart) starts again elsewhere: an old reading never matches.
    return str(time.time_ns()).encode("ascii")


class Render:
    """One request's render of the page stored under key."""

    def __init__(self, key, revalidating=False):
        self.key = key
        self.lease = leases.lease_key(key)
        self.node = store.node_for(key)  # the page, its lease, its tag lists and its generation
        wanted = [GENERATION_KEY, key, self.lease, grace.valid_key(key), grace.grace_key(key)]
        found = self.node.get_many(wanted if grace.enabled() else wanted[:3])
        # memcached not answering: the page is rendered and not stored, at the cost of one timeout.
        answered, found = found is not None, found or {}
        self.generation = generation(self.node, found.get(GENERATION_KEY)) if answered else None
        self.stored_copy = found.get(key)
        self.lease_value = found.get(self.lease)
        # The page expired without any change (its validity mark outlives it): its grace copy.
        self.unchanged_copy = None if revalidating or key in found else _unchanged(found, key)
        self.holds_lease = False
        self.token = uuid.uuid4().hex[:12]  # this render's own: its lease, its entries in tag lists
        self.stored = {}  # key: (value, cas token) of what put() stored
        if self.unchanged_copy is not None:
            return  # answered with it; a render in the background takes the lease (grace.revalidate)
        if self.stored_copy is None and self.generation is not None and self.lease_value is None:
            deadline = time.monotonic() + settings.PAGECACHE_APP_TIMEOUT
            self.holds_lease = leases.take(self.node, key, self.token, deadline)
            self.lease_value = None if self.holds_lease else b"taken"

    @property
    def must_wait(self):
        """Another render of the page is under way: wait for it (in the waiting room)."""
        return (
            self.stored_copy is None
            and self.unchanged_copy is None
            and not self.holds_lease
            and self.lease_value is not None
            and self.lease_value != leases.MISS  # a page never stored: nothing to wait for
        )

    def store(self, body, page_tags, ttl):
        """Store the page unless a purge began after this render did; True when it is stored."""
        if not self.holds_lease or not self.node.never_evicts():
            return False
        arguments = {"put": (body,), "list": (page_tags,), "check": (), "confirm": (ttl,)}
        return all(getattr(self, step)(*arguments[step]) for step in self.steps)

    # The steps of store(), in this order (the module's proof; the unit tests interleave them
    # with a purge's).
    steps = ("put", "list", "check", "confirm")

    def put(self, body):
        """The page, then its validity mark and grace copy (pagecache.grace), each provisional."""
        stored = self.node.set_provisional({self.key: body}, PROVISIONAL)
        if stored is None:
            return False
        self.stored = {self.key: (body, stored[self.key])}
        copies = grace.copies(self.key, body) if grace.enabled() else {}
        tokens = self.node.set_provisional(copies, PROVISIONAL) if copies else {}
        if tokens is None:
            # memcached full: no grace copy older than this page is left behind
            self.node.delete_many([grace.valid_key(self.key), grace.grace_key(self.key)])
        else:
            self.stored.update({key: (copies[key], token) for key, token in tokens.items()})
        return True

    def list(self, page_tags):
        """Listed after it is stored: a purge that removes the entry deletes the page after it."""
        if tags.remember(self.node, self.key, self.token, page_tags):
            return True
        self.forget()  # a page no purge could reach is not kept
        return False

    def check(self):
        """The page stays only if no purge advanced the generation since this render began."""
        if generation(self.node) == self.generation:
            return True
        self.forget()  # the purge may be a withdrawal: neither copy stays
        return False

    def confirm(self, ttl):
        """The page lives ttl, its grace copy and mark grace.ttl(): each if it is still this render's.
        Whether the page is stored: not when its provisional lifetime ended first (a render slower
        than that between put and confirm), or it was purged meanwhile."""
        confirmed = {
            key: self.node.confirm(key, value, token, ttl if key == self.key else grace.ttl())
            for key, (value, token) in self.stored.items()
        }
        return confirmed[self.key]

    def forget(self):
        self.node.delete_many(grace.all_items(self.key))

    def release(self, never_stored=False):
        """Let go of the lease; never_stored: no rule lets this page be stored (hit-for-miss)."""
        if self.holds_lease:
            leases.release(self.node, self.key, self.token, never_stored)
            self.holds_lease = False


def _unchanged(found, key):
    """The grace copy of a page that is gone while its validity mark is not: it merely expired."""
    if grace.valid_key(key) in found:
        return found.get(grace.grace_key(key))
    return None
