"""Steps of readers requesting pages over HTTP, through nginx."""

from behave import given, then, when

from support.http import request


@given('a reader has visited "{uri}"')
def step_has_visited(context, uri):
    response = request(context, uri)
    assert response.status == 200, f"expected {uri} to answer 200, got {response.status}"
    context.first_response = response


# Registered before the plain visit, whose "{uri}" would also match this whole line.
@when('a reader visits "{uri}" on host "{host}"')
def step_visits_on_host(context, uri, host):
    port = context.stack.web_port
    request(context, uri, host=f"{host}:{port}")


@when('a reader visits "{uri}"')
@when('another reader visits "{uri}"')
def step_visits(context, uri):
    request(context, uri)


@when('a reader asks only for the headers of "{uri}"')
def step_head(context, uri):
    request(context, uri, method="HEAD")


@when('a reader posts a form to "{uri}"')
def step_posts(context, uri):
    request(context, uri, method="POST", body="q=anything")


@then("the reader gets a {status:d} page")
def step_status(context, status):
    response = context.responses[-1]
    assert response.status == status, f"expected status {status}, got {response.status} for {response.uri}"


@then('the reader sees "{text}"')
def step_sees(context, text):
    response = context.responses[-1]
    assert text in response.text, (
        f"expected {text!r} in the page of {response.uri}; it shows:\n{response.text[:800]}"
    )
