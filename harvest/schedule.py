"""Which scenario runs where and when: shards, the workers' order, and what past runs recorded.

Past runs leave two files under reports/: `timings.json` (each scenario's seconds, by location)
and `failed.txt` (the locations of the scenarios that failed, behave's rerun form, one a line).
"""

import json
from pathlib import Path

TIMINGS = "timings.json"
FAILED = "failed.txt"


class ShardError(ValueError):
    """A --shard value that is not I/N with 1 <= I <= N."""


def parse_shard(text):
    """`2/3` -> (2, 3)."""
    index, _, count = text.partition("/")
    try:
        index, count = int(index), int(count)
    except ValueError:
        raise ShardError(f"--shard takes I/N, such as 1/2; got {text!r}") from None
    if not 1 <= index <= count:
        raise ShardError(f"--shard {text}: I must be from 1 to N, got {index} of {count}")
    return index, count


def shard(locations, index, count, timings=None):
    """The locations shard `index` of `count` runs: the same on every machine, disjoint, covering.

    With timings (seconds by location), the longest go first, each to the shard with the least
    time so far; without, by count: every count-th in order.
    """
    if not timings:
        return [loc for n, loc in enumerate(locations) if n % count == index - 1]
    totals = [0.0] * count
    mine = set()
    known = sum(timings.values()) / len(timings)
    for loc in sorted(locations, key=lambda loc: (-timings.get(loc, known), loc)):
        target = min(range(count), key=lambda n: (totals[n], n))
        totals[target] += timings.get(loc, known)
        if target == index - 1:
            mine.add(loc)
    return [loc for loc in locations if loc in mine]


def longest_first(locations, timings):
    """The order workers take scenarios in: those never timed first (they may be long), then the
    longest; ties in the files' order."""
    position = {loc: n for n, loc in enumerate(locations)}
    return sorted(locations, key=lambda loc: (loc in timings, -timings.get(loc, 0.0), position[loc]))


def read_timings(path):
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, int | float)}


def record_timings(path, seconds):
    """Add this run's seconds (by location) to the file; scenarios not run keep theirs."""
    path = Path(path)
    timings = read_timings(path)
    timings.update({loc: round(s, 3) for loc, s in seconds.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(sorted(timings.items())), indent=1) + "\n")


def record_failures(path, locations):
    """The run's failures, one location a line (an empty file when none failed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{loc}\n" for loc in locations))


def read_failures(path):
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return []
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
