"""Steps about grace: the last good page through an outage of the app, and a withdrawn page never."""

from behave import given, step, then

from support import accounts, content, html, memcached
from support.http import GRACE, ask_until, form_token, on_host, over_session, request
from support.parameters import REGISTERED  # noqa: F401  (the step parameters' types)


def is_stale_copy(response):
    """The page's last good copy, as nginx or the app serves it when no fresh page is there."""
    return response.status == 200 and response.header("X-Cache") == "STALE"


def is_site_503(response):
    return response.status == 503 and "taking a short break" in html.visible_text(response.text)


@given('the lifetime of the stored page "{uri:Text}" has ended')
def step_lifetime_ended(context, uri):
    """What memcached does at the end of PAGECACHE_TTL: the page is gone (its grace copy stays)."""
    memcached.delete(context.stack.memcached, memcached.nginx_key(context.stack.host, uri))
    context.stack.clear_l1()  # nginx's first level keeps a page one second: long gone by then


@then("the reader gets the page's last good copy, marked stale")
def step_stale_copy(context):
    response = context.state.responses[-1]
    assert is_stale_copy(response), f"not the page's last good copy: {response.describe()}"


@then("the reader gets the page's last good copy, marked stale, within {seconds:d} seconds")
def step_stale_copy_within(context, seconds):
    step_stale_copy(context)
    response = context.state.responses[-1]
    assert response.elapsed <= seconds + GRACE, f"{response.uri} took {response.elapsed:.2f} s"


@then('within {seconds:d} seconds readers of "{uri:Text}" get the page\'s last good copy, marked stale')
def step_within_stale(context, seconds, uri):
    ask_until(context, seconds, uri, is_stale_copy, "answer its last good copy")


@then('within {seconds:d} seconds readers of "{uri:Text}" get the site\'s service-unavailable page')
def step_within_503(context, seconds, uri):
    ask_until(context, seconds, uri, is_site_503, "answer the site's 503 page")


@then(
    'within {seconds:d} seconds readers of "{uri:Text}" on host "{host:Text}"'
    " get the site's service-unavailable page"
)
def step_within_503_on_host(context, seconds, uri, host):
    ask_until(context, seconds, uri, is_site_503, "answer the site's 503 page", host=on_host(context, host))


@then('memcached holds no copy of "{uri:Text}"')
def step_no_copy(context, uri):
    """Looked at once, at once: a copy stored for two seconds is seen."""
    key = memcached.nginx_key(context.stack.host, uri)
    left = sorted(memcached.get_many(context.stack.memcached, memcached.copies(key)))
    assert not left, f"{uri}: memcached still holds {left}"


@then('within {seconds:d} seconds readers of "{uri:Text}" get it from memcached again')
def step_within_fresh(context, seconds, uri):
    fresh = lambda response: response.status == 200 and response.header("X-Cache") == "HIT"  # noqa: E731
    ask_until(context, seconds, uri, fresh, "come from memcached")


@step('an editor moves "{title:Text}" to "{uri:Text}"')
def step_move(context, title, uri):
    content.edit(title, slug=content.slug_of(uri))


@step('an editor forgets the pages of "{title:Text}"')
def step_editor_forgets(context, title):
    """The admin's action "Forget the cached pages that show the selected posts", over HTTP."""
    accounts.create_editor(context, "fenna", "a-long-secret")
    accounts.log_in_over_http(context, "fenna", "a-long-secret")
    editor = accounts.session(context, "fenna")
    changelist = over_session(context, editor, "/admin/blog/post/")
    form = {
        "csrfmiddlewaretoken": form_token(changelist.text),
        "action": "forget_pages",
        "_selected_action": content.titled(title).pk,
        "index": 0,
    }
    done = over_session(context, editor, "/admin/blog/post/", method="POST", data=form)
    assert done.status == 302, f"the admin answered {done.status}: {html.visible_text(done.text)[:300]}"


@given('a reader has visited "{uri:Text}" on host "{host:Text}"')
def step_visited_on_host(context, uri, host):
    response = request(context, uri, host=on_host(context, host))
    assert response.status == 200, f"expected {uri} on {host} to answer 200, got {response.status}"
