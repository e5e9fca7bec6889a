"""What a scenario's steps hand each other, declared: one fresh ScenarioState a scenario
(`context.state`, made by terrain's before_scenario). A field not declared here cannot be set."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class ScenarioState:
    scratch: Path | None = None  # a folder of the scenario's own for files it writes (logs ...)

    # The reader: what the site answered
    responses: list = field(default_factory=list)  # the last answers (support.http), kept as evidence
    first_response: Any = None  # the first answer to a page, to compare a later one with
    visits: list = field(default_factory=list)  # the answers to a list of pages visited in turn
    burst: list = field(default_factory=list)  # the answers to many readers of one page at once
    variants: list = field(default_factory=list)  # the answers to one page under many query strings
    other: Any = None  # the answer to another page asked during a burst
    flood: list = field(default_factory=list)  # the answers to many logins at once
    flood_spread: float = 0.0  # seconds between the first and the last of them being sent
    homes: dict = field(default_factory=dict)  # each memcached's share of the pages (the pool)

    # The people: a browser, sessions, passwords
    browser: Any = None  # the run's browser as a fresh reader (@browser)
    sessions: dict = field(default_factory=dict)  # an HTTP session by user name
    passwords: dict = field(default_factory=dict)  # a password by user name

    # The stack's bad days
    answering_again: float | None = None  # when a stopped part answered again (time.monotonic())
    database_outage: Any = None  # the database taken down (support.faults)
    paused_render: Any = None  # (worker, answer) of a render paused at the pause point
    paused_purge: Any = None  # the purger paused after reading its tag lists
    scheduled_at: float | None = None  # when a scheduled post goes live (time.monotonic())
    snapshot: dict = field(default_factory=dict)  # the tag lists memcached held at a moment

    # The operators' tools
    run_status: int | None = None  # a command's exit status
    run_output: str = ""  # and its output
    clusters: Any = None  # the clusters module as the scenario configured it
    workers: Any = None  # the Celery workers started for the scenario
    broken_post: Any = None  # a post a copy fails on
    migration_log: Path | None = None  # the migration's log
    killed_after: int | None = None  # how many posts were copied when the runner was killed
    killed_task: Any = None  # the Celery task killed mid-copy
    killed_at: Any = None  # when it was killed (the workers' logs write local time)
