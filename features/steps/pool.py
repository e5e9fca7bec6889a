"""Steps about a pool of memcached servers: where each page sits, and what a lost server costs."""

import time

from behave import given, step, then, when

from support import html, memcached
from support.faults import stalled
from support.http import GRACE, ask_until, assert_rendered, assert_served_from, request
from support.parameters import REGISTERED  # noqa: F401  (the step parameters' types)


def _post_uris(count):
    from blog.models import Post

    uris = [post.get_absolute_url() for post in Post.objects.order_by("title")]
    assert len(uris) == count, f"expected {count} posts, the database holds {len(uris)}"
    return uris


def _key(response):
    return memcached.nginx_key(response.host, response.uri)


def _servers(context):
    return memcached.servers(context.stack.memcached)


def _visit(context, count):
    """Each post once, nginx's first level emptied first: each answer says what memcached holds."""
    context.stack.clear_l1()
    context.state.visits = [request(context, uri) for uri in _post_uris(count)]
    return context.state.visits


def _homes(context):
    """Each post's server, as found in memcached: one and only one holds its page."""
    homes = {}
    for response in context.state.visits:
        holders = memcached.holders(context.stack.memcached, _key(response))
        assert len(holders) == 1, f"{response.uri} is stored on {len(holders)} servers: {sorted(holders)}"
        homes[response.uri] = next(iter(holders))
    return homes


@step("a reader visits the {count:d} posts")
@given("a reader has visited the {count:d} posts")
def step_visit_posts(context, count):
    _visit(context, count)


@given("readers have seen the {count:d} posts served from memcached")
def step_seen_from_memcached(context, count):
    _visit(context, count)
    for response in _visit(context, count):
        assert_served_from(response, "memcached")
    context.state.homes = _homes(context)


@then("each post's page is stored on exactly one server, every server holding some")
def step_one_server_each(context):
    context.state.homes = _homes(context)
    holding = {server: 0 for server in _servers(context)}
    for server in context.state.homes.values():
        holding[server] += 1
    assert min(holding.values()) > 0, f"pages by server: {holding}"


@then("each post's page is still served from memcached once the other servers forget it")
def step_served_from_home(context):
    for uri, home in context.state.homes.items():
        key = memcached.nginx_key(context.stack.host, uri)
        memcached.delete(context.stack.memcached, key, only=[s for s in _servers(context) if s != home])
    context.stack.clear_l1()
    for uri in context.state.homes:
        assert_served_from(request(context, uri), "memcached")


@then("each post's page is rendered by Django once its own server forgets it")
def step_rendered_without_home(context):
    for uri, home in context.state.homes.items():
        memcached.forget(context.stack.memcached, memcached.nginx_key(context.stack.host, uri), only=[home])
    context.stack.clear_l1()
    for uri in context.state.homes:
        assert_rendered(request(context, uri))


@then("the posts stored on server {number:d} are rendered by Django, the others served from memcached")
def step_lost_server_pages(context, number):
    lost = _servers(context)[number - 1]
    assert lost in context.state.homes.values(), f"no post was stored on server {number} ({lost})"
    for response in context.state.visits:
        if context.state.homes[response.uri] == lost:
            assert_rendered(response)
        else:
            assert_served_from(response, "memcached")


@then("every one of those pages answered within a second")
def step_within_a_second(context):
    slow = [f"{r.uri} {r.elapsed * 1000:.0f} ms" for r in context.state.visits if r.elapsed >= 1.0]
    assert not slow, f"pages slower than a second: {slow}"


@then("every one of the {count:d} posts was served from memcached")
def step_all_from_memcached(context, count):
    assert len(context.state.visits) == count
    for response in context.state.visits:
        assert_served_from(response, "memcached")


@when("an editor changes the title of each of the {count:d} posts")
def step_retitle_all(context, count):
    from blog.models import Post

    for post in Post.objects.order_by("title"):
        post.title = f"{post.title} revised"
        post.save()


@when(
    "{part:Part} stops answering for {seconds:d} second"
    " while an editor changes the title of each of the {count:d} posts"
)
def step_retitle_all_stalled(context, part, seconds, count):
    with stalled(context, part, seconds):
        step_retitle_all(context, count)


@then("within {seconds:d} seconds no server holds a page of the {count:d} posts")
def step_none_stored(context, seconds, count):
    deadline = time.monotonic() + seconds + GRACE
    while True:
        left = {}
        for uri in _post_uris(count):
            holders = memcached.holders(context.stack.memcached, memcached.nginx_key(context.stack.host, uri))
            if holders:
                left[uri] = sorted(holders)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not left, f"pages still stored {seconds} s after the edit: {left}"


@then("within {seconds:d} seconds readers of the {count:d} posts see the new titles")
def step_new_titles(context, seconds, count):
    _see_new_titles(context, seconds)


@then(
    "within {seconds:d} seconds of memcached answering again"
    " readers of the {count:d} posts see the new titles"
)
def step_new_titles_after_stall(context, seconds, count):
    _see_new_titles(context, seconds, since=context.state.answering_again)


def _see_new_titles(context, seconds, since=None):
    from blog.models import Post

    for post in Post.objects.order_by("title"):
        shows = lambda response, title=post.title: title in html.visible_text(response.text)  # noqa: E731
        ask_until(context, seconds, post.get_absolute_url(), shows, f"show {post.title!r}", since=since)
