"""Users and their logins: in the browser through the login page, or over HTTP with a cookie jar."""

from urllib.parse import urlencode

from django.contrib.auth import get_user_model

from support.http import form_token, request
from support.pages import LoginPage


def create_user(name, password):
    return get_user_model().objects.create_user(username=name, password=password, first_name=name)


def cookie_jar(context, name):
    """The cookies of a named reader who uses HTTP (Jack, Jill ...)."""
    if not hasattr(context, "cookie_jars"):
        context.cookie_jars = {}
    return context.cookie_jars.setdefault(name, {})


def log_in_over_http(context, name, password):
    jar = cookie_jar(context, name)
    page = request(context, "/login/", cookies=jar)
    body = urlencode({"csrfmiddlewaretoken": form_token(page.text), "username": name, "password": password})
    response = request(context, "/login/", method="POST", body=body, cookies=jar)
    assert response.status == 302 and "sessionid" in jar, (
        f"{name} could not log in: status {response.status}, cookies {sorted(jar)}"
    )


def log_in(context, name, password):
    """Log in the way the scenario's reader does: in its browser if it has one, else over HTTP."""
    if context.browser is not None:
        LoginPage(context.browser, context.stack.browser_url).log_in(name, password)
    else:
        log_in_over_http(context, name, password)
