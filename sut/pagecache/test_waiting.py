"""One render however slow: leases held while their render runs, released by their holder only,
and readers waiting in the waiting room, outside the app."""

import asyncio
import os
import signal
import time
from unittest import skipUnless

from django.test import SimpleTestCase

from pagecache import leases, renders, store, waitroom
from pagecache.middleware import PageCacheMiddleware
from pagecache.tests import HAVE_MEMCACHED, Memcached, WithMemcached, anonymous_get, md5


def put(node, key, value, ttl):
    """Store value as it is (flags 0), as another process would have."""
    return node.client().set(key, value, expire=ttl, noreply=False)


@skipUnless(HAVE_MEMCACHED, "memcached is not installed (apt-get install memcached)")
class LeaseTests(WithMemcached, SimpleTestCase):
    page_cache_settings = {"PAGECACHE_APP_TIMEOUT": 5}

    def setUp(self):
        super().setUp()
        self.key = md5("localhost/slow/")

    def lease(self):
        return store.node_for(self.key).get(leases.lease_key(self.key))

    def test_a_second_reader_waits_while_the_first_renders(self):
        first, second = renders.Render(self.key), renders.Render(self.key)
        self.assertEqual((first.holds_lease, first.must_wait), (True, False))
        self.assertEqual((second.holds_lease, second.must_wait), (False, True))

    def test_through_nginx_a_waiting_reader_is_sent_to_the_waiting_room(self):
        renders.Render(self.key)  # another request renders the page
        request = anonymous_get("/slow/", HTTP_HOST="localhost", HTTP_X_PAGE_KEY=self.key)
        response = PageCacheMiddleware(lambda r: self.fail("the view ran for a reader who must wait"))(
            request
        )
        self.assertEqual(response["X-Accel-Redirect"], f"/_wait/{self.key}")

    def test_a_page_never_stored_with_nobody_waiting_leaves_nothing_in_memcached(self):
        renders.Render(md5("localhost/first/")).release()  # the generation exists from now on
        items = int(store.nodes()[0].client().stats()[b"curr_items"])
        first = renders.Render(self.key)
        first.release(never_stored=True)
        self.assertEqual(int(store.nodes()[0].client().stats()[b"curr_items"]), items)

    def test_a_page_never_stored_with_readers_waiting_tells_them_at_once(self):
        first = renders.Render(self.key)
        put(store.node_for(self.key), leases.waiting_key(self.key), b"1", 2)  # the waiting room's
        first.release(never_stored=True)
        self.assertEqual(self.lease(), leases.MISS)
        later = renders.Render(self.key)
        self.assertEqual((later.holds_lease, later.must_wait), (False, False))

    def test_a_stored_page_deletes_its_lease(self):
        first = renders.Render(self.key)
        first.store(b"page", [], 60)
        first.release()
        self.assertIsNone(self.lease())

    def test_only_its_holder_releases_a_lease(self):
        first = renders.Render(self.key)
        put(store.node_for(self.key), leases.lease_key(self.key), b"another-token", 60)  # first's lost
        first.release()
        self.assertEqual(self.lease(), b"another-token")

    def test_a_lease_lives_as_long_as_its_render_and_no_longer_once_its_holder_stops(self):
        first = renders.Render(self.key)
        time.sleep(leases.LEASE_SECONDS + 1)  # longer than a lease lives unless renewed
        self.assertIsNotNone(self.lease(), "a slow render lost its lease")
        leases._renewer.drop(first.node, self.key)  # its holder frozen or killed: no more renewals
        time.sleep(leases.LEASE_SECONDS + 0.1)
        self.assertIsNone(self.lease(), "a dead holder's lease outlived it")


@skipUnless(HAVE_MEMCACHED, "memcached is not installed (apt-get install memcached)")
class WaitingRoomTests(WithMemcached, SimpleTestCase):
    """The waiting room on a real memcached: what each waiting reader is told, and when."""

    def setUp(self):
        super().setUp()
        self.node = store.nodes()[0]
        self.key = md5("localhost/slow/")
        put(self.node, leases.lease_key(self.key), b"holder", 60)  # a render under way

    def crowd(self, readers, then, bound=3.0):
        """What each of `readers` waiting readers is told, `then(node)` done 0.2 s after they came."""

        async def run():
            room = waitroom.Room([self.memcached.address], bound)
            waiting = [asyncio.create_task(room.wait(self.key, 0.0)) for _ in range(readers)]
            await asyncio.sleep(0.2)
            then(self.node)
            outcomes = await asyncio.gather(*waiting)
            return sorted(outcomes), room.polls

        return asyncio.run(run())

    def test_the_crowd_is_sent_to_memcached_once_the_page_is_stored(self):
        outcomes, polls = self.crowd(100, lambda node: put(node, self.key, b"page", 60))
        self.assertEqual(outcomes, ["stored"] * 100)
        self.assertLess(polls, 40, "the waiting room asks memcached per page, not per reader")

    def test_one_reader_renders_when_the_holder_is_gone_the_others_wait_on(self):
        async def run():
            room = waitroom.Room([self.memcached.address], 3.0)
            waiting = [asyncio.create_task(room.wait(self.key, 0.0)) for _ in range(30)]
            await asyncio.sleep(0.1)
            self.node.delete(leases.lease_key(self.key))
            done, _ = await asyncio.wait(waiting, timeout=0.1)
            # The reader sent to render takes the lease, and stores the page.
            put(self.node, leases.lease_key(self.key), b"second-holder", 60)
            await asyncio.sleep(0.3)
            put(self.node, self.key, b"page", 60)
            return [task.result() for task in done], sorted(await asyncio.gather(*waiting))

        first, outcomes = asyncio.run(run())
        self.assertEqual(first, ["render"])
        self.assertEqual(outcomes, ["render"] + ["stored"] * 29)

    def test_a_page_never_stored_sends_one_reader_then_every_reader_to_render(self):
        async def run():
            room = waitroom.Room([self.memcached.address], 3.0)
            waiting = [asyncio.create_task(room.wait(self.key, 0.0)) for _ in range(30)]
            await asyncio.sleep(0.1)
            self.node.delete(leases.lease_key(self.key))  # the holder's render stored nothing
            began = time.monotonic()
            first, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            # The reader sent renders it quickly, and stores nothing either: the lease stays free.
            outcomes = await asyncio.gather(*waiting)
            return len(first), outcomes, time.monotonic() - began

        first, outcomes, took = asyncio.run(run())
        self.assertEqual((first, outcomes), (1, ["render"] * 30))
        self.assertGreaterEqual(took, waitroom.HANDOVER)
        self.assertLess(took, waitroom.HANDOVER + 0.2)

    def test_a_miss_sends_every_reader_to_render_at_once(self):
        began = time.monotonic()
        outcomes, _ = self.crowd(30, lambda node: put(node, leases.lease_key(self.key), leases.MISS, 2))
        self.assertEqual(outcomes, ["render"] * 30)
        self.assertLess(time.monotonic() - began, 0.2 + waitroom.HANDOVER)

    def test_readers_waiting_are_known_to_the_render(self):
        seen = []
        self.crowd(
            3,
            lambda node: seen.append(node.get(leases.waiting_key(self.key))) or put(node, self.key, b"p", 9),
        )
        self.assertEqual(seen, [b"1"])

    def test_a_reader_whose_time_is_up_is_told_so(self):
        began = time.monotonic()
        outcomes, _ = self.crowd(5, lambda node: None, bound=0.5)
        self.assertEqual(outcomes, ["late"] * 5)
        self.assertLess(time.monotonic() - began, 1.0)

    def test_memcached_frozen_sends_every_reader_to_render(self):
        os.kill(self.memcached.process.pid, signal.SIGSTOP)
        try:
            outcomes, _ = self.crowd(10, lambda node: None)
        finally:
            os.kill(self.memcached.process.pid, signal.SIGCONT)
        self.assertEqual(outcomes, ["render"] * 10)


@skipUnless(HAVE_MEMCACHED, "memcached is not installed (apt-get install memcached)")
class WaitingRoomMemcachedTests(SimpleTestCase):
    def test_a_memcached_restarted_since_the_last_request_is_asked_again_not_given_up(self):
        memcached = Memcached()
        try:
            client = waitroom.Memcached(memcached.address)

            async def run():
                await client.set("k", b"v", 60)
                memcached.stop()
                restarted = Memcached()  # the same port cannot be promised: point the client at it
                client.address = ("127.0.0.1", restarted.port)
                try:
                    await client.set("k", b"v2", 60)
                    return await client.get_many(["k"])
                finally:
                    restarted.stop()

            self.assertEqual(asyncio.run(run()), {"k": b"v2"})
        finally:
            if memcached.process.poll() is None:
                memcached.stop()
