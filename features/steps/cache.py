"""Steps about the page cache: what memcached holds, and who served a page."""

from behave import given, then, when

from support import memcached
from support.http import as_sent, assert_rendered, assert_served_from, burst, many
from support.parameters import REGISTERED  # noqa: F401  (the step parameters' types)

SECURITY_HEADERS = (
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


def _last(context):
    return context.state.responses[-1]


def _key(context, uri, host=None):
    """nginx's key for uri, on the host of the last request (or the stack's own host)."""
    if host is None:
        host = _last(context).host if context.state.responses else context.stack.host
    return memcached.nginx_key(host, as_sent(uri))


@given('memcached has forgotten "{uri:Text}"')
def step_forgotten(context, uri):
    memcached.forget(context.stack.memcached, _key(context, uri))


@given("a second has passed since")
def step_second_passed(context):
    """What a second changes: nginx's first level keeps a page one second, memcached much longer."""
    context.stack.clear_l1()


@then("the page is rendered by Django")
def step_rendered(context):
    assert_rendered(_last(context))


@then("the page is served from memcached")
def step_hit(context):
    assert_served_from(_last(context), "memcached")


@then("the page is served from nginx's first level")
def step_l1_hit(context):
    assert_served_from(_last(context), "l1")


@then("the reader sees the same page as the first reader")
def step_same_body(context):
    first, last = context.state.first_response.body, _last(context).body
    assert last == first, f"bodies differ: first {len(first)} bytes, now {len(last)} bytes"


@then('memcached holds the page under md5 of the host and "{uri:Text}"')
def step_stored_under(context, uri):
    key = _key(context, uri)
    stored = memcached.read(context.stack.memcached, key)
    assert stored is not None, f"nothing stored under md5({_last(context).host.split(':')[0]}{uri}) = {key}"
    assert stored == _last(context).body, (
        f"memcached holds {len(stored)} bytes under {key}, not the page served"
    )


@then('memcached holds the page under md5 of "{host:Text}" and "{uri:Text}"')
def step_stored_under_host(context, host, uri):
    key = memcached.nginx_key(host, as_sent(uri))
    stored = memcached.read(context.stack.memcached, key)
    assert stored == _last(context).body, f"the page is not stored under md5({host}{uri}) = {key}"


@then('memcached holds nothing for "{uri:Text}"')
def step_not_stored(context, uri):
    key = _key(context, uri)
    stored = memcached.read(context.stack.memcached, key)
    assert stored is None, (
        f"memcached holds {len(stored)} bytes under md5(host + {uri}) = {key}: {stored[:200]!r}"
    )


@then('the stored page for "{uri:Text}" expires within {seconds:d} seconds')
def step_ttl(context, uri, seconds):
    ttl = memcached.remaining_ttl(context.stack.memcached, _key(context, uri))
    assert ttl is not None, f"nothing stored for {uri}"
    assert 0 < ttl <= seconds, f"expected the entry to expire within {seconds} s, its TTL is {ttl}"


@then("the page carries the same security headers as the rendered page")
def step_same_headers(context):
    rendered, served = context.state.first_response, _last(context)
    for name in SECURITY_HEADERS:
        assert rendered.header(name), f"the rendered page has no {name} header"
        assert served.header(name) == rendered.header(name), (
            f"{name}: rendered {rendered.header(name)!r}, served from memcached {served.header(name)!r}"
        )
    content_type = served.header("Content-Type")
    assert content_type == rendered.header("Content-Type"), (
        f"Content-Type: rendered {rendered.header('Content-Type')!r}, from memcached {content_type!r}"
    )


@when('{count:d} readers ask for "{uri:Text}" at the same moment')
def step_burst(context, count, uri):
    context.state.burst = burst(context, uri, count)


@then("all {count:d} readers get the page")
def step_burst_all_ok(context, count):
    statuses = [r.status for r in context.state.burst]
    assert statuses == [200] * count, f"statuses: {sorted(set(statuses))}, {len(statuses)} answers"


@then("Django rendered it at most {renders:d} times")
def step_burst_renders(context, renders):
    rendered = sum(1 for r in context.state.burst if r.header("X-Cache") == "MISS")
    assert rendered <= renders, (
        f"Django rendered the page {rendered} times for {len(context.state.burst)} readers"
    )


@then("every reader gets a {status:d} page within a second")
def step_burst_answered(context, status):
    statuses = sorted({r.status for r in context.state.burst})
    assert statuses == [status], f"statuses: {statuses}"
    slowest = max(r.elapsed for r in context.state.burst)
    assert slowest < 1.0, f"the slowest of {len(context.state.burst)} readers waited {slowest * 1000:.0f} ms"


@when('a client asks for "{uri:Text}" with {count:d} made-up query strings')
def step_junk_variants(context, uri, count):
    context.state.snapshot = memcached.tag_lists(context.stack.memcached)
    context.state.variants = many(context, [f"{uri}?utm={n}" for n in range(count)])


@then("every answer is the page the first reader got")
def step_variants_same(context):
    first = context.state.first_response.body
    differ = [r.uri for r in context.state.variants if (r.status, r.body) != (200, first)]
    assert not differ, f"{len(differ)} answers differ from the first reader's page, e.g. {differ[:3]}"


@then("memcached holds none of those pages, its tag lists unchanged")
def step_none_stored(context):
    keys = {memcached.nginx_key(r.host, r.uri): r.uri for r in context.state.variants}
    found = memcached.get_many(context.stack.memcached, list(keys))
    stored = [keys[key] for key in found]
    assert not stored, f"{len(stored)} of the made-up addresses are stored, e.g. {stored[:3]}"
    lists, lists_now = context.state.snapshot, memcached.tag_lists(context.stack.memcached)
    changed = [tag for tag in lists.keys() | lists_now.keys() if lists_now.get(tag) != lists.get(tag)]
    assert not changed, f"tag lists changed: {changed}"
