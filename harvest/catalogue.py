"""The project's steps as a catalogue (`harvest --steps`) and how the scenarios use them
(`harvest --steps-usage`): every sentence a scenario may use, with its parameters, its docstring
and its file:line, grouped by the module that defines it (one domain a module); with usage, how
many scenario steps each one serves, the definitions no scenario uses and the steps no definition
matches. Usage exits 1 when there is either, one line per offender on stderr, file:line first.

The definitions come from behave's own registry, loaded by a dry run (nothing starts).
"""

import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from harvest.outcomes import location_of
from harvest.running import execute

KEYWORDS = {"given": "Given", "when": "When", "then": "Then", "step": "*"}


@dataclass
class Definition:
    keyword: str
    sentence: str  # the pattern, its parameters as written: a reader visits "{uri:Text}"
    location: str  # file:line, relative to the project
    doc: str
    uses: list = field(default_factory=list)  # the scenario steps it matches, file:line

    @property
    def module(self):
        return Path(self.location.rpartition(":")[0]).stem


@dataclass
class Catalogue:
    definitions: list
    undefined: list  # (file:line, sentence) of scenario steps no definition matches

    @property
    def unused(self):
        return [d for d in self.definitions if not d.uses]


def _relative(location):
    """behave's FileLocation (or text) as file:line relative to the project."""
    return location_of(location.filename, location.line or 0)


def load(paths):
    """The catalogue of the step definitions a dry run over paths registers, and their usage."""
    runner = execute(
        ["--dry-run", "--format", "null", "--no-summary", "--no-snippets", *map(str, paths)]
    ).runner
    registry = runner.step_registry
    definitions, by_matcher = [], {}
    for step_type, matchers in registry.steps.items():
        for matcher in matchers:
            doc = (matcher.func.__doc__ or "").strip()
            found = Definition(KEYWORDS[step_type], matcher.pattern, _relative(matcher.location), doc)
            definitions.append(found)
            by_matcher[id(matcher)] = found
    undefined, seen = [], set()
    for feature in runner.features:
        for scenario in feature.walk_scenarios():
            for step in scenario.all_steps:
                where = location_of(step.filename, step.line)
                if (where, step.name) in seen:  # a background's step, or an outline's for one row, once
                    continue
                seen.add((where, step.name))
                matcher = registry.find_step_definition(step)
                if matcher is None:
                    undefined.append((where, f"{step.keyword} {step.name}"))
                else:
                    by_matcher[id(matcher)].uses.append(where)
    return Catalogue(sorted(definitions, key=lambda d: (d.module, _line(d))), undefined)


def _line(definition):
    return int(definition.location.rpartition(":")[2] or 0)


def render(catalogue, usage=False):
    """The catalogue as text: a section per module, a sentence a line, its doc under it."""
    lines, modules = [], defaultdict(list)
    for definition in catalogue.definitions:
        modules[definition.module].append(definition)
    for module, definitions in modules.items():
        lines.append(f"{module} ({definitions[0].location.rpartition(':')[0]})")
        for d in definitions:
            count = f"  [{len(d.uses)} use{'s' if len(d.uses) != 1 else ''}]" if usage else ""
            lines.append(f"  {d.keyword} {d.sentence}  # {d.location}{count}")
            lines.extend(f"      {text}" for text in d.doc.splitlines()[:3] if text.strip())
        lines.append("")
    steps = len(catalogue.definitions)
    summary = f"harvest: {steps} step definitions in {len(modules)} modules"
    if usage:
        summary += (
            f", {len(catalogue.unused)} unused; {len(catalogue.undefined)} scenario steps with no definition"
        )
    return [*lines, summary]


def offenders(catalogue):
    """One line per unused definition and per undefined scenario step, file:line first."""
    return [
        *(
            f"{d.location}: step definition used by no scenario: {d.keyword} {d.sentence}"
            for d in catalogue.unused
        ),
        *(f"{where}: step with no definition: {sentence}" for where, sentence in catalogue.undefined),
    ]


def run(paths, usage=False, out=sys.stdout):
    catalogue = load(paths)
    print("\n".join(render(catalogue, usage)), file=out)
    if not usage:
        return 0
    problems = offenders(catalogue)
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0
