"""Steps about purges on a bad day: memcached stalling, a purge paused halfway, every kind of writer."""

import time
from datetime import timedelta

from behave import given, step, then, when

from stack.pause_point import PURGE
from support import content, html
from support.faults import stalled
from support.http import GRACE, ask_until, on_host, record, request
from support.parameters import REGISTERED  # noqa: F401  (the step parameters' types)


@when(
    "{part:Part} stops answering for {seconds:d} second"
    ' while an editor changes the title of "{title:Text}" to "{new_title:Text}"'
)
def step_edit_during_stall(context, part, seconds, title, new_title):
    with stalled(context, part, seconds):
        content.edit(title, title=new_title)


@then('within {seconds:d} seconds of memcached answering again readers of "{uri:Text}" see "{text:Text}"')
def step_see_after_stall(context, seconds, uri, text):
    shows = lambda response: response.status == 200 and text in html.visible_text(response.text)  # noqa: E731
    ask_until(context, seconds, uri, shows, f"show {text!r}", since=context.state.answering_again)


@given("the next purge pauses once it has read which pages to forget")
def step_arm_purge(context):
    context.stack.arm_pause(point=PURGE)
    context.add_cleanup(context.stack.heal)  # disarmed and woken, whatever happens


@when('a reader visits "{uri:Text}" on host "{host:Text}" while that purge is paused')
def step_visit_during_purge(context, uri, host):
    context.state.paused_purge = context.stack.paused_worker(point=PURGE)
    record(context, request(context, uri, host=on_host(context, host)))


@then('within {seconds:d} seconds readers of "{uri:Text}" on host "{host:Text}" see "{text:Text}"')
def step_see_on_host(context, seconds, uri, host, text):
    shows = lambda response: response.status == 200 and text in html.visible_text(response.text)  # noqa: E731
    deadline = time.monotonic() + seconds + GRACE
    while True:
        response = request(context, uri, host=on_host(context, host))
        if shows(response) or time.monotonic() > deadline:
            break
        time.sleep(0.05)  # a reader asking again
    assert shows(response), f"after {seconds} s, {uri} on {host} lacks {text!r}: {response.describe()}"


@step("the paused purge finishes")
def step_purge_resumes(context):
    context.stack.resume(context.state.paused_purge, point=PURGE)


@step('the author of "{title:Text}" is renamed "{name:Text}"')
def step_rename_author(context, title, name):
    author = content.titled(title).author
    author.first_name, _, author.last_name = name.partition(" ")
    author.save()


@step('an operator changes the title of "{title:Text}" to "{new_title:Text}" with one SQL statement')
def step_sql_update(context, title, new_title):
    from django.db import connection

    with connection.cursor() as cursor:  # no model, no signal: the database sees the change
        cursor.execute("UPDATE blog_post SET title = %s WHERE id = %s", [new_title, content.titled(title).pk])


@given('a post "{title:Text}" at "{uri:Text}" scheduled to appear in {seconds:d} seconds')
def step_scheduled(context, title, uri, seconds):
    from django.utils import timezone

    post = content.post(title, uri)
    post.published_at = timezone.now() + timedelta(seconds=seconds)
    post.save()
    context.state.scheduled_at = time.monotonic() + seconds


@then('within {seconds:d} seconds of its time readers of "{uri:Text}" see "{text:Text}"')
def step_see_at_its_time(context, seconds, uri, text):
    shows = lambda response: text in html.visible_text(response.text)  # noqa: E731
    ask_until(context, seconds, uri, shows, f"show {text!r}", since=context.state.scheduled_at)
