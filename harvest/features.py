"""Reading feature files before anything starts: parse errors, tags, the scenarios selected."""

from pathlib import Path

from behave.parser import ParserError, parse_file
from behave.tag_expression import make_tag_expression


class FeatureError(Exception):
    """A feature file that does not parse; the message names its file and line."""


def feature_files(paths):
    files = []
    for path in paths:
        path = Path(path)
        files.extend(sorted(path.rglob("*.feature")) if path.is_dir() else [path])
    return files


def load_features(paths):
    features = []
    for path in feature_files(paths):
        try:
            feature = parse_file(str(path))
        except ParserError as error:
            line = f":{error.line}" if error.line else ""
            message = str(error).splitlines()[0]
            raise FeatureError(f"{path}{line}: {message}") from None
        if feature is not None:
            features.append(feature)
    return features


def defined_scenarios(feature):
    """The scenarios and outlines as written, in order, those under a Rule included (-s counts these)."""
    from behave.model import ScenarioOutline

    items = feature.walk_scenarios(with_outlines=True)
    return [item for item in items if not isinstance(getattr(item, "parent", None), ScenarioOutline)]


def selected_scenarios(features, expression=None, numbers=None):
    """The scenarios (outline examples expanded) the tag expression and -s numbers select."""
    matcher = make_tag_expression(expression) if expression else None
    chosen = []
    for feature in features:
        for index, scenario in enumerate(defined_scenarios(feature), start=1):
            if numbers is not None and index not in numbers:
                continue
            for each in scenario.scenarios if hasattr(scenario, "scenarios") else [scenario]:
                if matcher is None or matcher.check(each.effective_tags):
                    chosen.append(each)
    return chosen
