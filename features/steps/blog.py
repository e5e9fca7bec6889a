"""Steps about the blog's content, and what editors and operators do to it."""

from behave import given, step, then

from support import accounts, content, html, operations
from support.pages import AdminPage
from support.parameters import REGISTERED  # noqa: F401  (the step parameters' types)


@given('a published post "{title:Text}" at "{uri:Text}"')
def step_published(context, title, uri):
    content.post(title, uri)


@given('a published post "{title:Text}" at "{uri:Text}" with the body "{body:Text}"')
def step_published_with_body(context, title, uri, body):
    content.post(title, uri, body=body)


@given('a published post "{title:Text}" at "{uri:Text}" tagged "{first:Text}" and "{second:Text}"')
def step_published_tagged(context, title, uri, first, second):
    from blog.models import Tag

    post = content.post(title, uri)
    post.tags.set([Tag.objects.create(name=first), Tag.objects.create(name=second)])


@given('a published post "{title:Text}" at "{uri:Text}" of {kilobytes:d} kB')
def step_big_post(context, title, uri, kilobytes):
    paragraph = "All happy families are alike; each unhappy family is unhappy in its own way.\n\n"
    content.post(title, uri, body=paragraph * (kilobytes * 1024 // len(paragraph) + 1))


@given('a draft post "{title:Text}" at "{uri:Text}"')
def step_draft(context, title, uri):
    content.post(title, uri, published=False)


@given("these published posts")
def step_posts_table(context):
    for row in context.table:
        content.post(row["title"], slug=content.slugify(row["title"]), age_days=int(row["days old"]))


@given('{count:d} published posts titled "{prefix:Text}" 01 to {last:d}, one a day')
def step_many_posts(context, count, prefix, last):
    assert count == last, "the count and the last number must agree"
    for number in range(1, count + 1):
        title = f"{prefix} {number:02d}"
        content.post(title, slug=content.slugify(title), age_days=count - number)


@then("the reader sees the posts in this order: {titles}")
def step_order(context, titles):
    wanted = [t.strip().strip('"') for t in titles.split(",")]
    text = html.visible_text(context.state.responses[-1].text)
    missing = [title for title in wanted if title not in text]
    assert not missing, f"missing {missing} in: {text[:600]}"
    positions = [text.find(title) for title in wanted]
    assert positions == sorted(positions), f"expected the order {wanted}; the page reads: {text[:600]}"


@then("the page runs no script an author wrote")
def step_no_script(context):
    count = html.elements(context.state.responses[-1].text, "script")
    assert count == 0, f"the page has {count} <script> element(s)"


@then("the reader gets the site's page-not-found page")
def step_site_404(context):
    response = context.state.responses[-1]
    assert response.status == 404, f"expected 404, got {response.status}"
    text = html.visible_text(response.text)
    assert "no such page on The Publication" in text, f"not the site's own 404 page: {text[:400]}"


@step('an editor changes the title of "{title:Text}" to "{new_title:Text}"')
def step_change_title(context, title, new_title):
    content.edit(title, title=new_title)


@step('an editor unpublishes "{title:Text}"')
def step_unpublish(context, title):
    content.titled(title).unpublish()


@step('an editor deletes "{title:Text}"')
def step_delete(context, title):
    content.titled(title).delete()


@step('an operator runs "{command:Text}"')
def step_operator_runs(context, command):
    status, output = operations.run(context.stack, *command.split())
    assert status == 0, f"manage.py {command} failed:\n{output}"


@step('an editor saves "{title:Text}" with a body of {words:d} words')
def step_save_body(context, title, words):
    post = content.titled(title)
    post.body = " ".join(["word"] * words)
    post.save()


@then('"{title:Text}" has a reading time of {minutes:d} minutes in the database')
def step_reading_time(context, title, minutes):
    post = content.titled(title)
    assert post.reading_minutes == minutes, f"reading time {post.reading_minutes} min, expected {minutes}"


def _admin(context, name):
    admin = AdminPage(context.state.browser, context.stack.browser_url)
    admin.log_in(name, accounts.password(context, name))
    return admin


@step('{name:w} changes the title of "{title:Text}" to "{new_title:Text}" in the admin')
def step_admin_change_title(context, name, title, new_title):
    _admin(context, name).change_title(content.titled(title), new_title)


@step('an editor duplicates "{title:Text}"')
def step_duplicate(context, title):
    content.titled(title).duplicate()


@step('{name:w} duplicates "{title:Text}" in the admin')
def step_admin_duplicate(context, name, title):
    _admin(context, name).run_action("/admin/blog/post/", title, "Duplicate the selected posts (as drafts)")


@then('there is a draft "{title:Text}" at "{uri:Text}" tagged "{first:Text}" and "{second:Text}"')
def step_draft_copy(context, title, uri, first, second):
    from blog.models import Post

    copy = Post.objects.filter(slug=content.slug_of(uri)).first()
    assert copy is not None, f"no post at {uri}; slugs: {list(Post.objects.values_list('slug', flat=True))}"
    assert (copy.title, copy.status, copy.published_at) == (title, "draft", None), (
        f"the copy: {copy.title!r}, {copy.status}, published {copy.published_at}"
    )
    tags = sorted(copy.tags.values_list("name", flat=True))
    assert tags == sorted([first, second]), f"the copy's tags: {tags}"


@then('there are drafts at "{first:Text}" and "{second:Text}"')
def step_drafts(context, first, second):
    from blog.models import Post

    for uri in (first, second):
        assert Post.objects.filter(slug=content.slug_of(uri), status="draft").exists(), f"no draft at {uri}"


@then('"{title:Text}" at "{uri:Text}" is still published')
def step_still_published(context, title, uri):
    from blog.models import Post

    original = Post.objects.get(slug=content.slug_of(uri))
    assert (original.title, original.status) == (title, "published"), (
        f"{original.title!r} is {original.status}"
    )


@step('an editor clears the publication time of "{title:Text}"')
def step_clear_publication_time(context, title):
    content.clear_publication_time(title)


@step('an editor corrects the body of "{title:Text}" to "{body:Text}"')
def step_correct_body(context, title, body):
    content.edit(title, body=body)


@given('readers have seen "{uri:Text}" titled "{first:Text}", then "{second:Text}"')
def step_seen_in_two_versions(context, uri, first, second):
    """Each version rendered and stored by the reader who saw it: two renders, an edit between."""
    context.execute_steps(
        f'''Given readers have seen "{uri}" served from memcached
        When an editor changes the title of "{first}" to "{second}"
        Then within 2 seconds readers of "{uri}" see "{second}"'''
    )
