"""Steps about users: who exists, logging in, what a logged-in reader gets."""

import time

from behave import given, step, then

from stack.burst import at_once
from support import accounts, html
from support.http import form_token, over_session, request
from support.parameters import REGISTERED  # noqa: F401  (the step parameters' types)

LOGIN_RATE = 5  # login POSTs a second nginx lets through from one client, past its burst


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


# Ways of writing a session cookie that Django reads as the session (its cookie parser decodes
# the header as UTF-8 and strips whatever Python calls a space around a name; a second Cookie
# header is one more cookie header to join).
COOKIE_SHAPES = {
    "in a second Cookie header": lambda v: [("Cookie", "theme=dark"), ("Cookie", f"sessionid={v}")],
    "with spaces around its equals sign": lambda v: [("Cookie", f"theme=dark; sessionid = {v}")],
    "after a tab": lambda v: [("Cookie", f"theme=dark;\tsessionid={v}")],
    "without spaces": lambda v: [("Cookie", f"theme=dark;sessionid={v}")],
}
# Unicode spaces, sent as UTF-8 bytes around the name.
UNICODE_SPACES = {"U+0085": "\x85", "U+00A0": "\xa0", "U+1680": "\u1680", "U+2000": "\u2000",
                  "U+2028": "\u2028", "U+3000": "\u3000"}  # fmt: skip
for _code, _space in UNICODE_SPACES.items():
    COOKIE_SHAPES[f"after the Unicode space {_code}"] = lambda v, s=_space: [
        ("Cookie", f"theme=dark;{s}sessionid{s}={v}".encode())
    ]


@step('{name:w} visits "{uri:Text}" with the session cookie written {shape:Text}')
def step_visits_with_cookie_shape(context, name, uri, shape):
    value = accounts.session(context, name).cookies["sessionid"]
    request(context, uri, headers=COOKIE_SHAPES[shape](value))


@then('{name:w} sees "{text:Text}"')
def step_named_reader_sees(context, name, text):
    response = context.state.responses[-1]
    visible = html.visible_text(response.text)
    assert text in visible, f"{name} does not see {text!r} on {response.uri}; the page reads: {visible[:800]}"


def _client_login(context, name, secret):
    """One login POST of an anonymous client (its own cookies), the login page read first."""
    client = accounts.session(context, "a client")
    page = over_session(context, client, "/login/")
    form = {"csrfmiddlewaretoken": form_token(page.text), "username": name, "password": secret}
    return over_session(context, client, "/login/", method="POST", data=form)


@step("a client has failed to log in as {name:w} {count:d} times")
def step_failed_logins(context, name, count):
    for attempt in range(1, count + 1):
        response = _client_login(context, name, f"wrong-{attempt}")
        assert response.status == 200, f"failed login {attempt}: {response.status}, not the form"


@step("the client logs in as {name:w} with the right password")
def step_client_logs_in(context, name):
    _client_login(context, name, accounts.password(context, name))


@then("the client is logged in")
def step_client_logged_in(context):
    response = context.state.responses[-1]
    assert response.status == 302, f"login answered {response.status}, not a redirect: {response.describe()}"


@then("the client is asked to wait {seconds:d} seconds before trying again")
def step_client_waits(context, seconds):
    response = context.state.responses[-1]
    assert response.status == 429, f"expected 429 Too Many Requests, got {response.status}"
    assert response.header("Retry-After") == str(seconds), f"Retry-After: {response.header('Retry-After')!r}"
    text = html.visible_text(response.text)
    assert f"try again in {seconds} seconds" in text, f"the page does not say when: {text[:400]}"


@step("a client posts {count:d} logins as {name:w} at the same moment")
def step_login_flood(context, name, count):
    client = accounts.session(context, "a client")
    token = form_token(over_session(context, client, "/login/").text)
    form = {"csrfmiddlewaretoken": token, "username": name, "password": "wrong"}
    # nginx's count of this client outlives the scenario (every reader of the suite is one client):
    # a fresh nginx afterwards, so that the next scenario's logins are not refused.
    context.add_cleanup(_fresh_nginx, context.stack)
    sent = []

    def post():
        sent.append(time.monotonic())
        return over_session(context, client, "/login/", method="POST", data=form)

    context.state.flood = at_once(count, post)
    context.state.flood_spread = max(sent) - min(sent)


def _fresh_nginx(stack):
    stack.stop_program("nginx")
    stack.heal()


@then("at most {count:d} of them reached the app")
def step_reached_app(context, count):
    reached = [
        response for response in context.state.flood if response.header("X-Cache")
    ]  # the app marks its own
    # "At the same moment" takes the client's threads some time on a busy machine: nginx's
    # bucket refills LOGIN_RATE a second meanwhile (the template's limit_req_zone), and lets that
    # many more through.
    allowed = count + int(context.state.flood_spread * LOGIN_RATE)
    assert len(reached) <= allowed, (
        f"{len(reached)} of {len(context.state.flood)} logins reached the app"
        f" (sent over {context.state.flood_spread:.2f} s: at most {allowed})"
    )


@then("nginx answered the others 429 with Retry-After")
def step_nginx_refused(context):
    refused = [response for response in context.state.flood if not response.header("X-Cache")]
    assert refused, "nginx refused none of them"
    wrong = [
        (r.status, r.header("Retry-After")) for r in refused if r.status != 429 or not r.header("Retry-After")
    ]
    assert not wrong, f"nginx's refusals: {wrong}"
