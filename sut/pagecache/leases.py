"""Leases: one render of a page at a time, for as long as it renders, released only by its holder.

The first request that misses takes the page's lease (memcached `add`, the render's token as its
value) and renders; the other readers wait in the waiting room (pagecache.waitroom), outside the
app's workers. The lease lives LEASE_SECONDS and is renewed every RENEW_EVERY by a thread of the
app process while its render runs, up to the render's deadline (PAGECACHE_APP_TIMEOUT): a slow
render keeps it, a frozen or killed holder loses it within LEASE_SECONDS, and the waiting room
then sends one reader to render (never the crowd). The holder deletes it when its render ends,
and only if it still holds it: a meta delete on the CAS token read with its own token (a holder
that froze and woke never deletes the lease of the render that took over). A render of a page
that is never stored (a 404, the login page) that finds readers waiting (the waiting room
keeps WAITING_PREFIX + key alive while it has some) leaves MISS in the lease for MISS_SECONDS
instead: the waiting readers, and those who arrive meanwhile, render at once (Varnish's
hit-for-miss). With nobody waiting it leaves nothing: a client making up addresses fills no
memory.

Only memcached's own operations: no lock in the app, nothing that outlives its lifetime.
"""

import threading
import time

# The longest a reader of a public page waits for the app, in nginx and in the waiting room
# (PAGECACHE_APP_TIMEOUT): a render 100 times the usual (a post renders in 10 to 20 ms) still
# makes it, and a reader of a hung app gets the site's answer long before a browser gives up.
DEFAULT_APP_TIMEOUT = 5.0
# A request that is no public page (the admin, a login POST): an admin's slow save lives with it.
DEFAULT_PRIVATE_TIMEOUT = 60.0

LEASE_PREFIX = "pagecache:lease:"
# memcached counts lifetimes in whole seconds (an item set for 1 s may expire at the next tick):
# 2 s lives between 1 and 2 s, renewed four times a second; a dead holder's passes on within 2 s.
LEASE_SECONDS = 2
RENEW_EVERY = 0.25
WAITING_PREFIX = "pagecache:waiting:"
MISS = b"miss"
MISS_SECONDS = 2  # lives 1 to 2 s


def lease_key(key):
    return LEASE_PREFIX + key


def waiting_key(key):
    return WAITING_PREFIX + key


def take(node, key, token, deadline):
    """Take the page's lease for this render, renewed until deadline (time.monotonic()); True if taken."""
    if not node.add(lease_key(key), token.encode("ascii"), LEASE_SECONDS):
        return False
    _renewer.hold(node, key, deadline)
    return True


def release(node, key, token, never_stored=False):
    """Let go of a lease this render still holds: deleted, or MISS for the readers waiting on a
    page that is never stored; True when it did."""
    _renewer.drop(node, key)
    lease = lease_key(key)

    def run(client):
        found = client.gets_many([lease, waiting_key(key)])
        value, cas = found.get(lease, (None, None))
        if value != token.encode("ascii"):
            return False  # lost (a hung holder's lease expired and another took it): not ours to touch
        if never_stored and waiting_key(key) in found:
            return client.cas(lease, MISS, cas, expire=MISS_SECONDS, noreply=False)
        answer = client.raw_command(f"md {lease} C{int(cas)}".encode("ascii"), b"\r\n")
        return answer.startswith(b"HD")  # EX: changed since read, NF: gone: deleted by nobody here

    return node.guarded(run, False)


class Renewer:
    """A thread that keeps the leases of the renders under way in this process alive."""

    def __init__(self):
        self.held = {}  # (node, key) -> deadline
        self.lock = threading.Lock()
        self.thread = None

    def hold(self, node, key, deadline):
        with self.lock:
            self.held[(node, key)] = deadline
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self.run, name="pagecache-leases", daemon=True)
                self.thread.start()

    def drop(self, node, key):
        with self.lock:
            self.held.pop((node, key), None)

    def run(self):
        while True:
            time.sleep(RENEW_EVERY)
            now = time.monotonic()
            with self.lock:
                due = [(node, key) for (node, key), deadline in self.held.items() if deadline > now]
                self.held = {held: self.held[held] for held in due}
            for node, key in due:
                self.renew(node, lease_key(key))

    @staticmethod
    def renew(node, lease):
        node.guarded(lambda client: client.touch(lease, expire=LEASE_SECONDS, noreply=False), False)


_renewer = Renewer()
