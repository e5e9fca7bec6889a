"""Steps about users: who exists, logging in, what a logged-in reader gets."""

from behave import given, step, then

from support import accounts, html
from support.http import over_session, request
from support.parameters import REGISTERED  # noqa: F401  (the step parameters' types)


@given('the user "{name:Text}" exists with password "{password:Text}"')
def step_user_exists(context, name, password):
    accounts.create_user(context, name, password)


@given('the editor "{name:Text}" exists with password "{password:Text}"')
def step_editor_exists(context, name, password):
    accounts.create_editor(context, name, password)


@step("{name:w} logs in")
@step("{name:w} has logged in")
def step_logs_in(context, name):
    accounts.log_in(context, name)


@step('{name:w} logs in with the password "{password:Text}"')
def step_logs_in_with(context, name, password):
    accounts.log_in(context, name, password)


@step('{name:w} visits "{uri:Text}"')
def step_named_reader_visits(context, name, uri):
    over_session(context, accounts.session(context, name), uri)


# Ways of writing a session cookie that Django reads as the session (its cookie parser strips
# what surrounds a name, and a second Cookie header is one more cookie header to join).
COOKIE_SHAPES = {
    "in a second Cookie header": lambda v: [("Cookie", "theme=dark"), ("Cookie", f"sessionid={v}")],
    "with spaces around its equals sign": lambda v: [("Cookie", f"theme=dark; sessionid = {v}")],
    "after a tab": lambda v: [("Cookie", f"theme=dark;\tsessionid={v}")],
    "without spaces": lambda v: [("Cookie", f"theme=dark;sessionid={v}")],
}


@step('{name:w} visits "{uri:Text}" with the session cookie written {shape:Text}')
def step_visits_with_cookie_shape(context, name, uri, shape):
    value = accounts.session(context, name).cookies["sessionid"]
    request(context, uri, headers=COOKIE_SHAPES[shape](value))


@then('{name:w} sees "{text:Text}"')
def step_named_reader_sees(context, name, text):
    response = context.responses[-1]
    visible = html.visible_text(response.text)
    assert text in visible, f"{name} does not see {text!r} on {response.uri}; the page reads: {visible[:800]}"
