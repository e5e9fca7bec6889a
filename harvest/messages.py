"""What harvest and its workers say to each other: one JSON line per message, typed at both ends.

harvest → worker (its stdin):   Run(location), Stop()
worker → harvest (a pipe):      Ready(), SetupFailed(why), Outcome(outcome), Finished(teardown_error)
"""

import json
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class Run:
    """Run the scenario at this location (`features/x.feature:12`), with its retries."""

    location: str


@dataclass(frozen=True)
class Stop:
    """No more scenarios: tear down and exit."""


@dataclass(frozen=True)
class Ready:
    """The worker's set-up (before_all) passed: it takes scenarios."""


@dataclass(frozen=True)
class SetupFailed:
    """The worker's set-up failed; why, in one line."""

    why: str


@dataclass(frozen=True)
class Outcome:
    """A scenario's outcome (harvest.outcomes.taken), its last attempt's."""

    outcome: dict


@dataclass(frozen=True)
class Finished:
    """The worker tore down (teardown_error: None, or what failed); record: its run record
    (timings by name, the browser that ran)."""

    teardown_error: str | None = None
    record: dict | None = None


KINDS = {kind.__name__: kind for kind in (Run, Stop, Ready, SetupFailed, Outcome, Finished)}


def encode(message):
    return json.dumps({"kind": type(message).__name__, **asdict(message)}) + "\n"


def decode(line):
    data = json.loads(line)
    kind = KINDS[data.pop("kind")]
    return kind(**{field.name: data[field.name] for field in fields(kind) if field.name in data})
