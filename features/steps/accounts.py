"""Steps about users: who exists, logging in, what a logged-in reader gets."""

from behave import given, step, then

from support import accounts
from support.http import request


def _password(context, name):
    passwords = getattr(context, "passwords", {})
    assert name in passwords, f'no user "{name}": add `Given the user "{name}" exists with password "..."`'
    return passwords[name]


@given('the user "{name}" exists with password "{password}"')
def step_user_exists(context, name, password):
    accounts.create_user(name, password)
    context.passwords = {**getattr(context, "passwords", {}), name: password}


@step("{name:w} logs in")
@step("{name:w} has logged in")
def step_logs_in(context, name):
    accounts.log_in(context, name, _password(context, name))


@step('{name:w} visits "{uri}"')
def step_named_reader_visits(context, name, uri):
    request(context, uri, cookies=accounts.cookie_jar(context, name))


@then('{name:w} sees "{text}"')
def step_named_reader_sees(context, name, text):
    response = context.responses[-1]
    assert text in response.text, f"{name} does not see {text!r} on {response.uri}:\n{response.text[:800]}"
