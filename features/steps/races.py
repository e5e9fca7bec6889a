"""Steps that force a race: a reader's render paused after it read a post, while an editor acts."""

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

from behave import given, step

from support import content, purges
from support.http import record, request
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
    context.paused_render = (worker, answer)


@step("the paused render finishes")
def step_render_resumes(context):
    """After the purges of what changed meanwhile: the interleaving these scenarios force."""
    worker, answer = context.paused_render
    purges.settle()
    context.stack.resume(worker)
    record(context, answer.result(timeout=30))
