"""Steps of readers requesting pages over HTTP, through nginx."""

import time

from behave import given, step, then

from support import html
from support.http import ask_until, assert_served_from, on_host, request
from support.parameters import REGISTERED  # noqa: F401  (the step parameters' types)


@given('a reader has visited "{uri:Text}"')
def step_has_visited(context, uri):
    response = request(context, uri)
    assert response.status == 200, f"expected {uri} to answer 200, got {response.status}"
    context.state.first_response = response


@given('readers have seen "{uri:Text}" served from {level:Level}')
def step_seen_from(context, uri, level):
    """A page stored and served by nginx: the precondition of every purge scenario.

    The first visit stores the page, the second is memcached's, the third (within L1's second) L1's.
    """
    first = request(context, uri)
    assert first.status == 200, f"expected {uri} to answer 200, got {first.status}"
    _early_in_a_second()  # L1 keeps what memcached serves to the end of that second: leave time in it
    for _ in range({"memcached": 1, "l1": 2}[level]):
        served = request(context, uri)
    assert_served_from(served, level)


def _early_in_a_second(latest=0.6):
    """Wait for the next second when this one is past `latest`: the next reader then comes
    within the second nginx's first level keeps a page (the scenarios about L1)."""
    fraction = time.time() % 1
    if fraction > latest:
        time.sleep(1 - fraction)


@step('a reader visits "{uri:Text}" on host "{host:Text}"')
def step_visits_on_host(context, uri, host):
    request(context, uri, host=on_host(context, host))


@step('a reader visits "{uri:Text}"')
@step('another reader visits "{uri:Text}"')
def step_visits(context, uri):
    request(context, uri)


@step('a reader asks only for the headers of "{uri:Text}"')
def step_head(context, uri):
    request(context, uri, method="HEAD")


@step('a reader posts a form to "{uri:Text}"')
def step_posts(context, uri):
    request(context, uri, method="POST", body="q=anything")


@then("the reader gets a {status:d} page")
def step_status(context, status):
    response = context.state.responses[-1]
    assert response.status == status, f"expected status {status}, got {response.status} for {response.uri}"


@then('the reader sees "{text:Text}"')
def step_sees(context, text):
    response = context.state.responses[-1]
    visible = html.visible_text(response.text)
    assert text in visible, f"expected {text!r} on {response.uri}; the page reads: {visible[:800]}"


@then('the reader does not see "{text:Text}"')
def step_does_not_see(context, text):
    response = context.state.responses[-1]
    visible = html.visible_text(response.text)
    at = visible.find(text)
    assert at < 0, (
        f"{text!r} is on the page of {response.uri} (X-Cache: {response.header('X-Cache')}): "
        f"...{visible[max(0, at - 200) : at + 200]}..."
    )


@then('within {seconds:d} seconds readers of "{uri:Text}" see "{text:Text}"')
def step_within_see(context, seconds, uri, text):
    ask_until(
        context,
        seconds,
        uri,
        lambda r: r.status == 200 and text in html.visible_text(r.text),
        f"show {text!r}",
    )


@then('within {seconds:d} seconds readers of "{uri:Text}" get the site\'s page-not-found page')
def step_within_404(context, seconds, uri):
    ask_until(context, seconds, uri, lambda r: r.status == 404, "answer 404")
