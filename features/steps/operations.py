"""Steps of the operator: clustered migrations, users into groups."""

import re
import time
from datetime import datetime

from behave import given, step, then

from support import celery_workers, operations
from support.content import author
from support.parameters import REGISTERED  # noqa: F401  (the step parameters' types)


@given("{count:d} posts waiting for the search migration")
def step_posts_waiting(context, count):
    from blog.models import Post

    writer = author()
    Post.objects.bulk_create(
        Post(title=f"Post {i}", slug=f"post-{i}", body=f"Words of post {i}. Café society.", author=writer)
        for i in range(1, count + 1)
    )
    context.state.migration_log = context.state.scratch / "migration.log"


@given('the post "{title:Text}" has lost its title')
def step_lost_title(context, title):
    from blog.models import Post

    post = Post.objects.get(title=title)
    Post.objects.filter(pk=post.pk).update(title="")
    context.state.broken_post = post


@step("an editor gives the post back its title")
def step_title_back(context):
    from blog.models import Post

    Post.objects.filter(pk=context.state.broken_post.pk).update(title=context.state.broken_post.title)


@step("the operator runs the search migration in {clusters:d} clusters, {pool:d} at a time")
def step_run_migration(context, clusters, pool):
    context.state.clusters = clusters
    argv = operations.migration_argv(clusters, pool, context.state.migration_log)
    context.state.run_status, context.state.run_output = operations.run(context.stack, *argv)


@step(
    "the operator's run in {clusters:d} clusters, {pool:d} at a time, is killed after {finished:d} clusters"
)
def step_killed_run(context, clusters, pool, finished):
    argv = operations.migration_argv(clusters, pool, context.state.migration_log)
    logged = operations.run_killed_after(
        context.stack, argv, finished, lambda: operations.logged_clusters(context.state.migration_log)
    )
    assert len(logged) < clusters, f"the run finished all {clusters} clusters before it was killed"
    context.state.killed_after = len(logged)


@given("two Celery workers")
def step_celery_workers(context):
    context.state.workers = celery_workers.Workers(context.stack, context.state.scratch)
    context.add_cleanup(context.state.workers.stop)
    context.state.workers.start("first", "second")


@step(
    "the operator runs the search migration in {clusters:d} clusters on Celery,"
    " and the first worker is killed with kill -9 in the middle of a cluster"
)
def step_celery_run_killed(context, clusters):
    context.state.clusters, workers = clusters, context.state.workers
    argv = [*operations.migration_argv(clusters, 1, context.state.migration_log), "--engine", "celery"]
    # Its first cluster stops as it starts: certainly under way, however fast the clusters are.
    workers.pause_next_task("first")
    runner = operations.start(context.stack, argv, env=workers.env)
    context.add_cleanup(operations.stop, runner)
    context.state.killed_task = workers.paused_task()
    assert workers.running("first") == context.state.killed_task, workers.log("first")[-1500:]
    time.sleep(0.5)  # what the worker accepted, it has acknowledged by now if it acknowledges early
    context.state.killed_at = datetime.now()  # the workers' logs write local time
    workers.kill("first")
    context.state.run_status, context.state.run_output = operations.finish(runner, timeout=120)


@then("the second worker ran the killed worker's cluster within {seconds:d} seconds of the kill")
def step_redelivered(context, seconds):
    workers = context.state.workers
    killed = context.state.killed_task
    assert killed in workers.finished("second"), (
        f"task {killed} never finished on the second worker:\n{workers.log('second')[-1500:]}"
    )
    waited = (
        workers.received_at("second", context.state.killed_task) - context.state.killed_at
    ).total_seconds()
    assert waited <= seconds, f"the second worker took the killed cluster up {waited:.1f} s after the kill"


@then("every post is migrated")
def step_all_migrated(context):
    from blog.models import Post

    assert context.state.run_status == 0, f"the run failed:\n{context.state.run_output[-2000:]}"
    total = Post.objects.count()
    left = Post.objects.filter(search_text="").count()
    assert left == 0, f"{left} of {total} posts have no search text"
    sample = Post.objects.get(title="Post 1")
    assert sample.search_text == "post 1 words of cafe society", f"search text: {sample.search_text!r}"


@then("the log names each of the {clusters:d} clusters exactly once")
def step_log_once(context, clusters):
    logged = sorted(map(int, operations.logged_clusters(context.state.migration_log)))
    assert logged == list(range(1, clusters + 1)), f"clusters logged: {logged}"


@then("the run says it resumed")
def step_resumed(context):
    expected = f"resuming: {context.state.killed_after} of {context.state.clusters} clusters already done"
    assert expected in context.state.run_output, (
        f"expected {expected!r} in:\n{context.state.run_output[-1500:]}"
    )


@then("the run fails, naming the cluster of the post that lost its title")
def step_run_fails(context):
    cluster = (
        context.state.broken_post.pk % context.state.clusters + 1
    )  # the clusters are primary keys modulo N
    assert context.state.run_status != 0, "the run succeeded"
    expected = f"cluster(s) {cluster} of {context.state.clusters} failed"
    assert expected in context.state.run_output, (
        f"expected {expected!r} in:\n{context.state.run_output[-1500:]}"
    )


@then("no worker used more than {megabytes:d} MB")
def step_memory(context, megabytes):
    peak = int(re.search(r"peak memory of a worker (\d+) MB", context.state.run_output)[1])
    assert peak <= megabytes, f"a worker peaked at {peak} MB"


@given('{count:d} users at "{domain:Text}" and {others:d} users at "{other:Text}"')
def step_users(context, count, domain, others, other):
    operations.make_users(count, domain)
    operations.make_users(others, other)


@step('the operator adds the users at "{domain:Text}" to the new group "{group:Text}"')
@step('the operator has added the users at "{domain:Text}" to the new group "{group:Text}"')
def step_add_domain_new(context, domain, group):
    context.state.run_status, context.state.run_output = operations.call(
        "add_users_to_group", group, "--email-domain", domain, "--create"
    )


@step('the operator adds the users at "{domain:Text}" to the group "{group:Text}"')
def step_add_domain(context, domain, group):
    context.state.run_status, context.state.run_output = operations.call(
        "add_users_to_group", group, "--email-domain", domain
    )


@step('the operator adds all users to the group "{group:Text}"')
def step_add_all(context, group):
    context.state.run_status, context.state.run_output = operations.call("add_users_to_group", group, "--all")


@then('the operator is told "{message:Text}"')
def step_told(context, message):
    assert context.state.run_status == 0, f"the command failed:\n{context.state.run_output}"
    assert message in context.state.run_output, (
        f"expected {message!r}, the command said:\n{context.state.run_output}"
    )


@then('the group "{name:Text}" has {count:d} members')
def step_members(context, name, count):
    from django.contrib.auth.models import Group

    members = Group.objects.get(name=name).user_set.count()
    assert members == count, f"{name} has {members} members"
