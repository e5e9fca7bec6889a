"""The page cache's rules, its key for tricky URIs, and its behaviour with memcached down or hung."""

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from unittest import mock, skipUnless

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings

from pagecache import keys, purge, renders, ring, rules, store, tags, variants
from pagecache.middleware import PageCacheMiddleware, StoredCopyMiddleware


def md5(text):
    return hashlib.md5(text.encode("latin-1")).hexdigest()


class NginxHostTests(SimpleTestCase):
    def test_lowercased_without_port(self):
        self.assertEqual(keys.nginx_host("Example.COM:8080"), "example.com")

    def test_trailing_dot_is_dropped(self):
        self.assertEqual(keys.nginx_host("LocalHost.:99"), "localhost")

    def test_plain_host(self):
        self.assertEqual(keys.nginx_host("localhost"), "localhost")

    def test_ipv6_literal_keeps_brackets(self):
        self.assertEqual(keys.nginx_host("[::1]:8080"), "[::1]")

    def test_only_ascii_is_lowercased(self):
        # nginx lowercases ASCII letters only; a latin-1 byte stays as it is.
        self.assertEqual(keys.nginx_host("\xc9X.com"), "\xc9x.com")


class RequestUriTests(SimpleTestCase):
    def test_raw_uri_from_gunicorn_is_taken_as_sent(self):
        environ = {"RAW_URI": "/a%7eb/?q=%2F&x", "PATH_INFO": "/a~b/", "QUERY_STRING": "q=%2F&x"}
        self.assertEqual(keys.request_uri(environ), "/a%7eb/?q=%2F&x")

    def test_empty_query_string_keeps_its_question_mark(self):
        self.assertEqual(keys.request_uri({"RAW_URI": "/p?", "PATH_INFO": "/p"}), "/p?")

    def test_encoded_slash_is_not_decoded(self):
        self.assertEqual(keys.request_uri({"RAW_URI": "/a%2Fb", "PATH_INFO": "/a/b"}), "/a%2Fb")

    def test_rebuilt_without_raw_uri(self):
        environ = {"PATH_INFO": "/caf\xc3\xa9/", "QUERY_STRING": "page=2"}
        self.assertEqual(keys.request_uri(environ), "/caf%C3%A9/?page=2")


class PageKeyTests(SimpleTestCase):
    def test_key_is_md5_of_host_and_uri(self):
        self.assertEqual(keys.page_key("localhost", "/?page=2"), md5("localhost/?page=2"))

    def test_key_for_request_uses_nginx_host_and_raw_uri(self):
        request = RequestFactory().get("/blog/x/", HTTP_HOST="LOCALHOST:18080")
        request.META["RAW_URI"] = "/blog/%78/"
        self.assertEqual(keys.key_for_request(request), md5("localhost/blog/%78/"))

    def test_raw_bytes_are_hashed_unchanged(self):
        # gunicorn hands non-ASCII bytes of the request line as latin-1 code points.
        self.assertEqual(keys.page_key("h", "/\xc3\xa9"), hashlib.md5(b"h/\xc3\xa9").hexdigest())


def anonymous_get(path="/", **extra):
    request = RequestFactory().get(path, **extra)
    request.user = AnonymousUser()
    return request


def html(body="<p>hi</p>", status=200, **headers):
    response = HttpResponse(body, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class RuleTests(SimpleTestCase):
    def test_anonymous_html_get_is_stored(self):
        self.assertIsNone(rules.refusal(anonymous_get(), html()))

    def test_a_request_nginx_kept_from_the_caches_is_refused(self):
        self.assertIn("nginx", rules.refusal(anonymous_get(HTTP_X_SKIP_MEMCACHED="1"), html()))

    def test_a_query_the_page_does_not_declare_is_refused(self):
        request = anonymous_get("/", RAW_URI="/?utm=1")
        self.assertIn("own address", rules.refusal(request, html()))

    def test_a_declared_query_in_canonical_form_is_stored(self):
        request = anonymous_get("/", RAW_URI="/?page=2")
        self.assertIsNone(rules.refusal(request, variants.declare_query(html(), page=2)))
        for raw in ("/?page=02", "/?page=2&page=2", "/?page=2&x=1", "/?"):
            with self.subTest(raw=raw):
                request = anonymous_get("/", RAW_URI=raw)
                self.assertIsNotNone(rules.refusal(request, variants.declare_query(html(), page=2)))

    def test_a_path_spelled_otherwise_than_django_writes_it_is_refused(self):
        for raw in ("/blog/a%2Db/", "/blog/caf%c3%a9/"):
            with self.subTest(raw=raw):
                request = anonymous_get(raw, RAW_URI=raw)
                self.assertIn("own address", rules.refusal(request, html()))
        request = anonymous_get("/blog/caf%C3%A9/", RAW_URI="/blog/caf%C3%A9/")
        self.assertIsNone(rules.refusal(request, html()))

    def test_vary_cookie_alone_is_allowed(self):
        self.assertIsNone(rules.refusal(anonymous_get(), html(Vary="Cookie")))

    def test_other_methods_are_refused(self):
        for method in ("post", "head", "put", "delete", "options"):
            request = getattr(RequestFactory(), method)("/")
            request.user = AnonymousUser()
            self.assertIn("method", rules.refusal(request, html()))

    def test_non_200_is_refused(self):
        for status in (201, 301, 302, 304, 404, 500, 503):
            self.assertIn("status", rules.refusal(anonymous_get(), html(status=status)))

    def test_non_html_is_refused(self):
        response = HttpResponse(b"{}", content_type="application/json")
        self.assertIn("content type", rules.refusal(anonymous_get(), response))

    def test_streaming_is_refused(self):
        self.assertIn("streaming", rules.refusal(anonymous_get(), StreamingHttpResponse(iter([b"x"]))))

    def test_session_cookie_is_refused(self):
        request = anonymous_get(HTTP_COOKIE="sessionid=abc")
        self.assertIn("session", rules.refusal(request, html()))

    def test_authenticated_reader_is_refused(self):
        request = RequestFactory().get("/")
        request.user = User(username="jack")
        self.assertIn("authenticated", rules.refusal(request, html()))

    def test_credentials_are_refused(self):
        self.assertIn("credentials", rules.refusal(anonymous_get(HTTP_AUTHORIZATION="Basic x"), html()))

    def test_set_cookie_is_refused(self):
        response = html()
        response.set_cookie("csrftoken", "x")
        self.assertIn("cookie", rules.refusal(anonymous_get(), response))

    def test_private_no_store_no_cache_are_refused(self):
        for value in ("private", "no-store", "max-age=0, no-cache", "Private, max-age=60"):
            self.assertIn("Cache-Control", rules.refusal(anonymous_get(), html(Cache_Control=value)))

    def test_public_cache_control_is_allowed(self):
        self.assertIsNone(rules.refusal(anonymous_get(), html(Cache_Control="public, max-age=60")))

    def test_vary_on_other_headers_is_refused(self):
        for value in ("Accept-Language", "Cookie, Accept-Encoding", "*"):
            self.assertIn("Vary", rules.refusal(anonymous_get(), html(Vary=value)))

    @override_settings(PAGECACHE_MAX_BYTES=100)
    def test_too_big_is_refused(self):
        self.assertIn("bytes", rules.refusal(anonymous_get(), html("x" * 101)))


class Memcached:
    """A real memcached on a free loopback port, for the tests that store."""

    def __init__(self, *options):
        from publication.testing import free_port

        self.port = free_port()
        program = shutil.which("memcached") or "/usr/bin/memcached"
        argv = [program, "-l", "127.0.0.1", "-p", str(self.port), *(options or ["-M"])]
        if os.geteuid() == 0:
            argv += ["-u", "root"]
        self.process = subprocess.Popen(argv)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("memcached did not start")

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        self.process.terminate()
        self.process.wait(5)


HAVE_MEMCACHED = bool(shutil.which("memcached") or os.path.exists("/usr/bin/memcached"))


class WithMemcached:
    """Real memcached servers for the test class (`servers` of them: a pool beyond one), emptied
    before each test; the page cache's setting points at them, with `page_cache_settings`."""

    servers = 1
    page_cache_settings = {"PAGECACHE_TTL": 60}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pool = [Memcached() for _ in range(cls.servers)]
        cls.memcached = cls.pool[0]

    @classmethod
    def tearDownClass(cls):
        for memcached in cls.pool:
            memcached.stop()
        super().tearDownClass()

    def setUp(self):
        addresses = ",".join(memcached.address for memcached in self.pool)
        self.settings = override_settings(PAGECACHE_MEMCACHED=addresses, **self.page_cache_settings)
        self.settings.enable()
        for node in store.nodes():
            node.client().flush_all()

    def tearDown(self):
        self.settings.disable()


@skipUnless(HAVE_MEMCACHED, "memcached is not installed (apt-get install memcached)")
class MiddlewareTests(WithMemcached, SimpleTestCase):
    def render(self, request, response):
        return PageCacheMiddleware(lambda r: response)(request)

    def test_stores_raw_body_under_nginx_key_and_marks_miss(self):
        request = anonymous_get("/p/", HTTP_HOST="localhost:8080")
        request.META["RAW_URI"] = "/p/?a=1"
        response = self.render(request, variants.declare_query(html("<p>caf\u00e9</p>"), a=1))
        self.assertEqual(response["X-Cache"], "MISS")
        self.assertEqual(stored(md5("localhost/p/?a=1")), "<p>caf\u00e9</p>".encode())

    def test_refused_response_is_not_stored(self):
        request = anonymous_get("/p/", HTTP_HOST="localhost")
        self.render(request, html(status=404))
        self.assertIsNone(stored(md5("localhost/p/")))

    def test_key_differing_from_nginx_is_not_stored(self):
        request = anonymous_get("/p/", HTTP_HOST="localhost", HTTP_X_PAGE_KEY=md5("evil.com/p/"))
        self.render(request, html())
        self.assertIsNone(stored(md5("localhost/p/")))
        self.assertIsNone(stored(md5("evil.com/p/")))

    def test_key_agreeing_with_nginx_is_stored(self):
        request = anonymous_get("/p/", HTTP_HOST="localhost", HTTP_X_PAGE_KEY=md5("localhost/p/"))
        self.render(request, html("<p>ok</p>"))
        self.assertEqual(stored(md5("localhost/p/")), b"<p>ok</p>")

    def test_tagged_pages_are_purged_together_on_every_host(self):
        for host in ("localhost", "127.0.0.1"):
            self.render(anonymous_get("/blog/a/", HTTP_HOST=host), tags.tag_response(html(), "post:1"))
        self.render(anonymous_get("/other/", HTTP_HOST="localhost"), tags.tag_response(html(), "post:2"))
        self.assertEqual(purge.purge_tags(["post:1"]), 2)
        self.assertIsNone(stored(md5("localhost/blog/a/")))
        self.assertIsNone(stored(md5("127.0.0.1/blog/a/")))
        self.assertIsNotNone(stored(md5("localhost/other/")))

    def test_entry_has_the_ttl(self):
        self.render(anonymous_get("/t/", HTTP_HOST="localhost"), html())
        reply = store.nodes()[0].client().raw_command(f"mg {md5('localhost/t/')} t".encode(), b"\r\n")
        ttl = int(reply.decode().split(" t", 1)[1])
        self.assertTrue(0 < ttl <= 60, reply)

    def test_a_render_begun_before_a_purge_stores_nothing(self):
        render = renders.Render(md5("localhost/r/"))
        purge.purge_tags(["post:1"])
        self.assertFalse(render.store(b"old", ["post:1"], 60))
        self.assertIsNone(stored(md5("localhost/r/")))

    def test_a_purge_between_store_and_check_deletes_the_page(self):
        render = renders.Render(md5("localhost/r/"))
        set_provisional = render.node.set_provisional

        def set_then_purge(*args):
            stored = set_provisional(*args)
            purge.purge_tags(["post:2"])
            return stored

        with mock.patch.object(render.node, "set_provisional", set_then_purge):
            self.assertFalse(render.store(b"old", ["post:1"], 60))
        self.assertIsNone(stored(md5("localhost/r/")))

    def test_a_tag_longer_than_a_chunk_keeps_every_page_until_an_edit_purges_them_all(self):
        pages = [md5(f"localhost/p{number}/") for number in range(25)]
        with override_settings(PAGECACHE_TAG_CHUNK=10):
            for key in pages:
                render = renders.Render(key)
                self.assertTrue(render.store(b"<p>page</p>", ["post-list"], 60))
                render.release()
            node = store.node_for(pages[0])
            self.assertEqual(tags.pages_tagged(node, "post-list"), pages)
            chunks = [tags.chunk("post-list", number) for number in range(3)]
            self.assertEqual(sorted(tags.read(node, ["post-list"])), chunks)
            self.assertEqual([stored(key) for key in pages], [b"<p>page</p>"] * 25)
            self.assertEqual(purge.purge_tags(["post-list"]), 25)
        self.assertEqual([stored(key) for key in pages], [None] * 25)

    def test_an_edit_keeps_each_pages_last_entry_across_chunks_and_a_withdrawal_none(self):
        key = md5("localhost/again/")
        with override_settings(PAGECACHE_TAG_CHUNK=2):
            for token in ("a", "b", "c", "d", "e"):
                tags.remember(store.node_for(key), key, token, ["post:1"])
            node = store.node_for(key)
            purge.purge_tags(["post:1"])  # an edit
            self.assertEqual(tags.pages_tagged(node, "post:1"), [key])
            listed = {name: found for name, (found, _) in tags.read(node, ["post:1"]).items()}
            self.assertEqual(listed[tags.chunk("post:1", 2)], [tags.entry(key, "e")])
            purge.purge_tags([], withdrawn=["post:1"])
            self.assertEqual(tags.pages_tagged(node, "post:1"), [])

    def test_a_full_memcached_refusing_an_entry_costs_that_page_only(self):
        kept, refused = md5("localhost/kept/"), md5("localhost/refused/")
        render = renders.Render(kept)
        self.assertTrue(render.store(b"<p>kept</p>", ["post:1"], 60))
        render.release()
        render = renders.Render(refused)
        with mock.patch.object(store.Node, "append", lambda *args: False):  # memcached full
            self.assertFalse(render.store(b"<p>refused</p>", ["post:1"], 60))
        self.assertEqual((stored(kept), stored(refused)), (b"<p>kept</p>", None))
        self.assertEqual(tags.pages_tagged(store.node_for(kept), "post:1"), [kept])

    def test_a_reader_who_finds_the_page_stored_meanwhile_is_answered_with_that_copy(self):
        key = md5("localhost/w/")
        holder = renders.Render(key)
        holder.store(b"<p>stored</p>", [], 60)
        holder.release()
        request = anonymous_get("/w/", HTTP_HOST="localhost")
        response = PageCacheMiddleware(StoredCopyMiddleware(lambda r: html("<p>rendered</p>")))(request)
        served = (response.content, response["X-Cache"], response["X-Cache-Level"])
        self.assertEqual(served, (b"<p>stored</p>", "HIT", "app"))


def stored(key):
    return store.node_for(key).get(key)


@skipUnless(HAVE_MEMCACHED, "memcached is not installed (apt-get install memcached)")
class EvictingMemcachedTests(SimpleTestCase):
    def test_nothing_is_stored_in_a_memcached_that_evicts(self):
        memcached = Memcached("-m", "64")
        try:
            with override_settings(PAGECACHE_MEMCACHED=memcached.address):
                PageCacheMiddleware(lambda r: html())(anonymous_get("/e/", HTTP_HOST="localhost"))
                self.assertIsNone(stored(md5("localhost/e/")))
        finally:
            memcached.stop()


class UnavailableMemcachedTests(SimpleTestCase):
    def render(self, address):
        with override_settings(PAGECACHE_MEMCACHED=address, PAGECACHE_TIMEOUT=0.1):
            began = time.monotonic()
            response = PageCacheMiddleware(lambda r: html())(anonymous_get("/", HTTP_HOST="localhost"))
            return response, time.monotonic() - began

    def test_refused_connection_serves_the_page(self):
        from publication.testing import free_port

        response, _ = self.render(f"127.0.0.1:{free_port()}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["X-Cache"], "MISS")

    def test_hung_memcached_costs_a_timeout_not_a_minute(self):
        # A peer that accepts connections and never answers, as a frozen memcached does.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        accepted = []
        thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
        thread.start()
        try:
            response, elapsed = self.render(f"127.0.0.1:{listener.getsockname()[1]}")
        finally:
            listener.close()
        self.assertEqual(response.status_code, 200)
        self.assertLess(elapsed, 2.0)


class RingTests(SimpleTestCase):
    def test_a_bad_memcached_list_stops_the_site_at_start_in_one_line(self):
        manage = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "manage.py")
        env = {**os.environ, "MEMCACHED": "127.0.0.1:11211,127.0.0.1:11211"}
        result = subprocess.run([sys.executable, manage, "check"], capture_output=True, text=True, env=env)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(
            result.stderr,
            "manage.py: MEMCACHED: 127.0.0.1:11211 listed twice (in '127.0.0.1:11211,127.0.0.1:11211')\n",
        )

    def test_a_server_list_that_cannot_be_read_says_what_is_wrong(self):
        for text, says in [
            ("", "no memcached server given"),
            ("127.0.0.1", "'127.0.0.1' is not host:port"),
            ("127.0.0.1:11211,,127.0.0.1:11212", "'' is not host:port"),
            ("127.0.0.1:99999", "'127.0.0.1:99999' is not host:port"),
            ("a:11211, a:11211", "a:11211 listed twice"),
        ]:
            with self.subTest(text=text), self.assertRaisesRegex(ring.BadServerList, says):
                ring.parse(text)
        self.assertEqual(ring.parse("a:1, [::1]:2"), ["a:1", "[::1]:2"])

    def test_keys_spread_evenly_and_stay_put_when_a_server_is_added(self):
        three = ring.Ring(["10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211"])
        four = ring.Ring([*three.servers, "10.0.0.4:11211"])
        keys_ = [md5(f"localhost/p/{n}") for n in range(10000)]
        counts = {server: 0 for server in three.servers}
        moved = 0
        for key in keys_:
            counts[three.server_for(key)] += 1
            moved += four.server_for(key) not in (three.server_for(key), "10.0.0.4:11211")
        self.assertLessEqual(max(counts.values()) / min(counts.values()), 1.2, counts)
        self.assertEqual(moved, 0)  # a new server only takes keys; none move between the others


@skipUnless(HAVE_MEMCACHED, "memcached is not installed (apt-get install memcached)")
class PoolTests(WithMemcached, SimpleTestCase):
    """Three real memcached: each page on its ring node only, purged wherever it is."""

    servers = 3

    def holders(self, key):
        return [node.server for node in store.nodes() if node.get(key) is not None]

    def test_each_page_is_stored_on_its_ring_node_only_and_a_purge_finds_them_all(self):
        uris = [f"/blog/p{n}/" for n in range(30)]
        for uri in uris:
            PageCacheMiddleware(lambda r: tags.tag_response(html(), "post:1"))(
                anonymous_get(uri, HTTP_HOST="localhost")
            )
        keys_ = [md5(f"localhost{uri}") for uri in uris]
        self.assertEqual(
            [self.holders(key) for key in keys_], [[store.node_for(key).server] for key in keys_]
        )
        self.assertEqual(len({store.node_for(key).server for key in keys_}), 3)  # all three hold some
        self.assertEqual(purge.purge_tags(["post:1"]), 30)
        self.assertEqual([self.holders(key) for key in keys_], [[]] * 30)
