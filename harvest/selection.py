"""Which scenarios a run takes: the paths, FILE:LINE, --tag (or the project's default tags), -s,
--failed and --shard, read before anything starts."""

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from harvest import schedule
from harvest.errors import UsageError
from harvest.features import load_features, selected_scenarios
from harvest.outcomes import location, location_of
from harvest.tags import TagError, named_tags, to_expression


@dataclass(frozen=True)
class Selection:
    features: list  # every feature read (the formatters report on them)
    chosen: list  # the scenarios that run, outline examples expanded
    locations: list  # what behave is given: the paths, or FILE:LINE for a subset
    expression: str | None  # the tag expression, as behave takes it


def select(options, project, only=None):
    """The features and the scenarios the options select in the project.

    only: the locations (`features/x.feature:12`) to keep of those (--failed).
    """
    paths, lines = [], set()
    default = [str(path) for path in project.paths]
    if only and not options.paths:  # --failed: the files its scenarios are in
        default = list(dict.fromkeys(str(project.root / loc.rpartition(":")[0]) for loc in sorted(only)))
    for text in options.paths or default:
        at_line = re.fullmatch(r"(.+\.feature):(\d+)", text)
        path = Path(at_line[1] if at_line and not Path(text).exists() else text)
        if not path.exists():
            raise UsageError(f"no such feature file or folder: {path}")
        if at_line and path != Path(text):
            lines.add(location_of(path, int(at_line[2])))  # FILE:LINE, as --failed records them
        if path not in paths:
            paths.append(path)
    if lines:
        only = lines if only is None else only & lines
    features = load_features(paths)
    expression = _expression(options.tags, project.default_tags, features)
    numbers = _scenario_numbers(options.scenarios) if options.scenarios else None
    chosen = selected_scenarios(features, expression, numbers)
    if only is not None:
        chosen = [s for s in chosen if location(s) in only]
    if options.shard:
        timings = schedule.read_timings(options.timings) if options.timings else None
        mine = set(schedule.shard([location(s) for s in chosen], *options.shard, timings))
        chosen = [s for s in chosen if location(s) in mine]
    subset = numbers is not None or only is not None or options.shard
    locations = [f"{s.filename}:{s.line}" for s in chosen] if subset else paths
    return Selection(features, chosen, locations, expression)


def _expression(tags, default_tags, features):
    """--tag values as one behave expression; with none, the project's default tags (behave's)."""
    if not tags:
        return default_tags
    known = {tag for feature in features for s in feature.walk_scenarios() for tag in s.effective_tags}
    try:
        expression = to_expression(tags, known)
    except TagError as error:
        raise UsageError(str(error)) from None
    for name in named_tags(tags):
        if name.lstrip("@") not in known:
            print(f"harvest: tag @{name.lstrip('@')} is on no scenario: it matched nothing", file=sys.stderr)
    return expression


def _scenario_numbers(text):
    try:
        numbers = {int(n) for n in text.split(",") if n.strip()}
    except ValueError:
        raise UsageError(f"-s takes scenario numbers such as 1,3; got {text!r}") from None
    if not numbers or min(numbers) < 1:
        raise UsageError(f"-s takes scenario numbers from 1; got {text!r}")
    return numbers


def list_tags(features, out=sys.stdout):
    """Each tag with how many scenarios carry it (their own tags or their feature's)."""
    counts = {}
    for feature in features:
        for scenario in feature.walk_scenarios():
            for tag in set(scenario.effective_tags):
                counts[tag] = counts.get(tag, 0) + 1
    for tag, count in sorted(counts.items()):
        print(f"@{tag:<12} {count:>3} scenario{'s' if count != 1 else ''}", file=out)
