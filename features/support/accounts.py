"""Users, their passwords, and their logins: in the browser through the login page, or over HTTP."""

import requests
from django.contrib.auth import get_user_model

from support.http import form_token, over_session
from support.pages import LoginPage


def create_user(context, name, password):
    remember_password(context, name, password)
    return get_user_model().objects.create_user(username=name, password=password, first_name=name)


def create_editor(context, name, password):
    remember_password(context, name, password)
    return get_user_model().objects.create_superuser(
        username=name, password=password, email=f"{name}@example.com"
    )


def remember_password(context, name, password):
    context.state.passwords[name] = password


def password(context, name):
    passwords = context.state.passwords
    assert name in passwords, f'no user {name!r}: add `Given the user "{name}" exists with password "..."`'
    return passwords[name]


def session(context, name):
    """The HTTP session (cookies) of a named reader who uses no browser (Jack, Jill ...)."""
    return context.state.sessions.setdefault(name, requests.Session())


def log_in_over_http(context, name, secret):
    reader = session(context, name)
    page = over_session(context, reader, "/login/")
    form = {"csrfmiddlewaretoken": form_token(page.text), "username": name, "password": secret}
    response = over_session(context, reader, "/login/", method="POST", data=form)
    assert response.status == 302 and "sessionid" in reader.cookies, (
        f"{name} could not log in: status {response.status}, cookies {sorted(reader.cookies.keys())}"
    )


def log_in(context, name, secret=None):
    """Log in the way the scenario's reader does: in its browser if it has one, else over HTTP.

    secret: the password typed, when it is not the user's own (a wrong one).
    """
    secret = password(context, name) if secret is None else secret
    if context.state.browser is not None:
        LoginPage(context.state.browser, context.stack.browser_url).log_in(name, secret)
    else:
        log_in_over_http(context, name, secret)
