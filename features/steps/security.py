"""Steps of an attacker, and of what the cache must then hold."""

from behave import step, then

from support import memcached
from support.http import as_sent, request
from support.parameters import REGISTERED  # noqa: F401  (the step parameters' types)


def _header(text):
    name, _, value = text.partition(":")
    return {name.strip(): value.strip()}


@step('an attacker requests "{uri:Text}" with the Host "{host:Text}"')
def step_attack_host(context, uri, host):
    request(context, uri, host=host)


@step('an attacker requests "{uri:Text}" with the header "{header:Text}"')
def step_attack_header(context, uri, header):
    request(context, uri, headers=_header(header))


@step('an attacker requests "{uri:Text}" claiming the key of "{other:Text}"')
def step_attack_key(context, uri, other):
    host = context.stack.host
    request(context, uri, headers={"X-Page-Key": memcached.nginx_key(host, as_sent(other))})


@step('an attacker requests "{uri:Text}"')
def step_attack(context, uri):
    request(context, uri)


@step('an attacker sends a {method:w} request to "{uri:Text}"')
def step_attack_method(context, method, uri):
    request(context, uri, method=method, body="title=planted")


@then("memcached holds no page at all")
def step_no_page(context):
    keys = memcached.page_keys(context.stack.memcached)
    assert not keys, f"memcached holds {len(keys)} page(s): {keys}"


@then("memcached holds nothing but that response, under nginx's key for that very request")
def step_only_own_key(context):
    response = context.state.responses[-1]
    own = memcached.nginx_key(response.host, response.uri)
    keys = memcached.page_keys(context.stack.memcached)
    others = [key for key in keys if key != own]
    assert not others, f"{response.uri} (Host: {response.host}) stored pages under other keys: {others}"
    if keys:
        stored = memcached.read(context.stack.memcached, own)
        assert stored == response.body, f"the page stored under {own} is not the response to that request"


@then('the page stored for "{uri:Text}" is the one the first reader got')
def step_untainted(context, uri):
    attack = context.state.responses[-1]
    key = memcached.nginx_key(attack.host, as_sent(uri))
    keys = memcached.page_keys(context.stack.memcached)
    assert set(keys) <= {key}, f"pages stored under other keys: {sorted(set(keys) - {key})}"
    stored = memcached.read(context.stack.memcached, key)
    plain = context.state.first_response.body
    assert stored is None or stored == plain, (
        f"the page stored after {attack.request_headers} differs from the first reader's "
        f"({len(stored)} vs {len(plain)} bytes)"
    )
