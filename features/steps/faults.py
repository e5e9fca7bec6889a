"""Steps that break parts of the stack, and what readers get meanwhile."""

from behave import given, step, then

from support import faults, html
from support.http import GRACE, many, request
from support.parameters import REGISTERED  # noqa: F401  (the step parameters' types)


def _program(context, part):
    return faults.program(context.stack, part)


@step("{part:Part} is stopped")
def step_stopped(context, part):
    context.stack.stop_program(_program(context, part))
    context.add_cleanup(context.stack.heal)


@step("{part:Part} is frozen")
def step_frozen(context, part):
    context.stack.freeze(_program(context, part))
    context.add_cleanup(context.stack.heal)


@given("the database is down")
def step_database_down(context):
    context.state.database_outage = faults.database_down()
    context.add_cleanup(context.state.database_outage.end)


@step("{part:Part} is back")
def step_back(context, part):
    if part == "the database":
        context.state.database_outage.end()
    else:
        context.stack.heal()


@step("a reader visits each of these pages")
def step_visit_each(context):
    context.state.visits = [request(context, row["page"]) for row in context.table]


@then("every page answers 200 from Django within a second")
def step_every_page_rendered(context):
    for response in context.state.visits:
        assert response.status == 200, f"{response.uri} answered {response.status}"
        assert response.header("X-Cache") == "MISS", f"{response.uri}: X-Cache={response.header('X-Cache')!r}"
        assert response.elapsed < 1.0, f"{response.uri} took {response.elapsed:.2f} s"


@then("the reader gets the site's service-unavailable page")
def step_site_503(context):
    response = context.state.responses[-1]
    text = html.visible_text(response.text)
    assert response.status == 503, f"expected 503, got {response.status}: {text[:300]}"
    assert "The Publication is taking a short break" in text, f"not the site's own 503 page: {text[:300]}"


@step("readers visit each of these pages at the same moment")
def step_visit_each_at_once(context):
    context.state.visits = many(
        context, [row["page"] for row in context.table], clients=len(context.table.rows)
    )


@then(
    "every page answers within {seconds:d} seconds,"
    " from memcached or with the site's service-unavailable page"
)
def step_every_page_bounded(context, seconds):
    for response in context.state.visits:
        assert response.elapsed <= seconds + GRACE, f"{response.uri} took {response.elapsed:.2f} s"
        stored = response.status == 200 and response.header("X-Cache") == "HIT"
        unavailable = response.status == 503 and "taking a short break" in html.visible_text(response.text)
        assert stored or unavailable, (
            f"{response.uri}: neither a stored page nor the site's 503: {response.describe()}"
        )
