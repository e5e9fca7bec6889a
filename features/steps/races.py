"""Steps that force a race: a reader's render paused after it read a post, while an editor acts
or a crowd waits; a crowd on a slow page while another reader asks for another page."""

import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

from behave import given, step, then, when

from support import content, purges
from support.http import assert_rendered, burst, record, request
from support.parameters import REGISTERED  # noqa: F401  (the step parameters' types)


@given('a reader\'s render of "{uri:Text}" has read "{title:Text}" and is paused')
def step_render_paused(context, uri, title):
    stack = context.stack
    stack.arm_pause(content.titled(title).pk)
    pool = ThreadPoolExecutor(1)
    answer = pool.submit(request, SimpleNamespace(stack=stack), uri, timeout=30)
    worker = stack.paused_worker()
    context.add_cleanup(pool.shutdown)
    context.add_cleanup(stack.resume, worker)
    context.state.paused_render = (worker, answer)


@step("the paused render finishes")
def step_render_resumes(context):
    """After the purges of what changed meanwhile: the interleaving these scenarios force."""
    worker, answer = context.state.paused_render
    purges.settle()
    context.stack.resume(worker)
    record(context, answer.result(timeout=30))


@when('{count:d} readers ask for "{uri:Text}" while the paused render\'s worker is killed')
def step_burst_while_killed(context, count, uri):
    worker, _ = context.state.paused_render
    with ThreadPoolExecutor(1) as pool:
        crowd = pool.submit(burst, context, uri, count)
        time.sleep(0.3)  # the crowd is waiting for the paused render
        context.stack.kill_paused(worker)
        context.state.burst = crowd.result(timeout=60)


@when('{count:d} readers ask for "{uri:Text}" while another reader visits "{other:Text}"')
def step_burst_and_other(context, count, uri, other):
    with ThreadPoolExecutor(1) as pool:
        crowd = pool.submit(burst, context, uri, count)
        time.sleep(0.5)  # the crowd is waiting for the slow render
        context.state.other = request(SimpleNamespace(stack=context.stack), other)
        context.state.burst = crowd.result(timeout=60)


@then("the other reader gets the page rendered by Django within a second")
def step_other_prompt(context):
    response = context.state.other
    assert_rendered(response)
    assert response.elapsed < 1.0, f"{response.uri} took {response.elapsed:.2f} s while the crowd waited"
