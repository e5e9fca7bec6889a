"""Steps about the blog's content."""

from behave import given

from support import content


@given('a published post "{title}" at "{uri}"')
def step_published(context, title, uri):
    content.post(title, uri)


@given('a draft post "{title}" at "{uri}"')
def step_draft(context, title, uri):
    content.post(title, uri, published=False)
