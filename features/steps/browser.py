"""Steps of a reader in a real browser (scenarios tagged @browser)."""

from behave import step, then

from support import waits
from support.pages import Page
from support.parameters import REGISTERED  # noqa: F401  (the step parameters' types)


def page(context):
    assert context.state.browser is not None, "this step needs a browser: tag the scenario @browser"
    return Page(context.state.browser, context.stack.browser_url)


@step('I am at "{path:Text}"')
def step_at(context, path):
    page(context).open(path)


@step('I fill in "{label:Text}" with "{value:Text}"')
def step_fill_in(context, label, value):
    page(context).fill_in(label, value)


@step('I press "{button:Text}"')
def step_press(context, button):
    page(context).press(button)


@step('I follow "{link:Text}"')
def step_follow(context, link):
    page(context).follow(link)


@then('I should be at "{path:Text}"')
def step_should_be_at(context, path):
    current = page(context)
    # A path without a query string is compared without the page's query string.
    at = (lambda: current.path) if "?" in path else (lambda: current.path.split("?")[0])
    waits.until(
        context.state.browser,
        lambda d: at() == path,
        lambda: f"expected to be at {path}, {current.summary()}",
    )


@then('I should see "{text:Text}"')
def step_should_see(context, text):
    current = page(context)
    waits.until(
        context.state.browser,
        lambda d: text in current.visible_text,
        lambda: f"{text!r} is not visible {current.summary()}",
    )


@then('I should not see "{text:Text}"')
def step_should_not_see(context, text):
    current = page(context)
    assert text not in current.visible_text, f"{text!r} is visible {current.summary()}"
