"""Which scenarios a change can break: `harvest --record-impact` maps each line of the project to
the scenarios that ran it, `harvest --changed [REF]` runs the scenarios that the lines changed
since REF ran.

Recording: coverage.py measures the harvest process (the steps, the support, the stack) and, through
the `.pth` hook the Makefile installs (harvest/coverage_start.py), every Python process the stack
starts (the app, the purger, the waiting room, management commands) while COVERAGE_PROCESS_START
is set; each switches its coverage context to the scenario running (a file harvest writes, read
every 50 ms). Lines run outside any scenario (imports, the set-up, migrations) belong to all of
them. The map (JSON: the commit, the scenarios, each file's lines by scenario) goes to --impact
(default reports/impact.json), for the repository or CI's cache to keep.

Choosing (`--changed`): the changed lines of each file, from `git diff REF` and the untracked files.
A Python file or template in the map selects the scenarios that ran a changed line (an added line:
those that ran its neighbours); a line run by all selects all. A .feature file selects its own
scenarios. What coverage cannot see follows the project's rules, `[tool.harvest.impact]` in
pyproject.toml: `everything` (globs whose change selects every scenario: the nginx template, the
stack, requirements) and `nothing` (globs no scenario depends on: docs). A file the map does not
know, or one that changed since the map's commit, selects everything that ran it, or everything.
It never selects fewer than needed: when unsure, more.
"""

import ast
import fnmatch
import json
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from harvest.errors import UsageError

EVERYONE = "*"  # the key of the lines run outside any scenario
UNMEASURED = "{} (a scenario skipped when the map was recorded: what it runs is unknown)"


def _ranges(lines):
    """Sorted line numbers as compact text: 3-7,9."""
    parts, lines = [], sorted(lines)
    start = previous = None
    for line in lines:
        if previous is not None and line == previous + 1:
            previous = line
            continue
        if start is not None:
            parts.append(f"{start}-{previous}" if previous != start else str(start))
        start = previous = line
    if start is not None:
        parts.append(f"{start}-{previous}" if previous != start else str(start))
    return ",".join(parts)


def _lines(text):
    found = set()
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        found.update(range(int(first), int(last or first) + 1))
    return found


def git(*args, root=None):
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise UsageError(f"git {' '.join(args)}: {' '.join(done.stderr.split()) or 'failed'}")
    return done.stdout


class ImpactMap:
    """Each file's lines, by the scenarios that ran them; EVERYONE: by all."""

    def __init__(self, commit, scenarios, files, unmeasured=()):
        self.commit, self.scenarios, self.files = commit, scenarios, files  # files: {path: {key: set}}
        self.unmeasured = list(unmeasured)  # skipped when the map was made: what they run is unknown

    def save(self, path):
        files = {name: {key: _ranges(lines) for key, lines in by.items()} for name, by in self.files.items()}
        data = {
            "commit": self.commit,
            "scenarios": self.scenarios,
            "files": files,
            "unmeasured": self.unmeasured,
        }
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, separators=(",", ":"), sort_keys=True))

    @classmethod
    def load(cls, path):
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError):
            hint = "record one with harvest --record-impact"
            raise UsageError(f"--changed: no impact map at {path}: {hint}") from None
        files = {name: {key: _lines(text) for key, text in by.items()} for name, by in data["files"].items()}
        return cls(data["commit"], data["scenarios"], files, data.get("unmeasured", ()))

    def ran(self, name, lines=None):
        """The scenarios that ran these lines of the file (None: any line); EVERYONE among them
        when a line ran outside any scenario."""
        found = set()
        for key, ran in self.files.get(name, {}).items():
            if lines is None or ran & lines:
                found.add(EVERYONE if key == EVERYONE else self.scenarios[int(key)])
        return found


def statements(source, lines):
    """The lines of the statements the lines are in (a change inside a multi-line statement is a
    change to the line coverage records, its first); a compound statement's header only."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set(lines)
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            end = node.end_lineno
            if getattr(node, "body", None) and isinstance(node.body, list) and node.body:
                end = max(node.lineno, node.body[0].lineno - 1)  # the header, not the body
            spans.append((node.lineno, end))
    found = set(lines)
    for line in lines:
        holding = [(end - start, start, end) for start, end in spans if start <= line <= end]
        if holding:
            _, start, end = min(holding)
            found.update(range(start, end + 1))
    return found


def changed_lines(ref, root):
    """{file: the lines of its REF version that changed (an addition: the lines around it)}, and
    the files that are new (untracked or added)."""
    changes, new = {}, set()
    name = None
    for line in git("diff", "--unified=0", "--no-renames", "--no-color", ref, root=root).splitlines():
        if line.startswith("--- "):
            name = None if line == "--- /dev/null" else line[len("--- a/") :]
        elif line.startswith("+++ ") and name is None and line != "+++ /dev/null":
            new.add(line[len("+++ b/") :])
        elif line.startswith("@@") and name is not None:
            start, count = re.match(r"@@ -(\d+)(?:,(\d+))?", line).groups()
            start, count = int(start), 1 if count is None else int(count)
            span = range(start, start + count) if count else (start, start + 1)
            changes.setdefault(name, set()).update(span)
    for name, lines in changes.items():
        if name.endswith(".py"):
            changes[name] = statements(git("show", f"{ref}:{name}", root=root), lines)
    new.update(git("ls-files", "--others", "--exclude-standard", root=root).splitlines())
    return changes, new


def rules(root):
    """The project's declared rules ([tool.harvest.impact]): (everything, nothing) globs."""
    pyproject = Path(root) / "pyproject.toml"
    table = {}
    if pyproject.is_file():
        table = tomllib.loads(pyproject.read_text()).get("tool", {}).get("harvest", {}).get("impact", {})
    return table.get("everything", []), table.get("nothing", [])


def _matches(name, globs):
    return any(fnmatch.fnmatch(name, glob) for glob in globs)


def choose(impact, changes, new, scenarios_in, root, drifted=()):
    """The scenarios the changes can break, each with why: {location: reason}. scenarios_in(file):
    the locations of a feature file's scenarios."""
    everything, nothing = rules(root)
    why = {}
    for name in sorted({*changes, *new}):
        lines = None if name in new or name in drifted else changes.get(name)
        if _matches(name, nothing):
            continue
        if name.endswith(".feature"):
            chosen, reason = set(scenarios_in(name)), f"{name} changed"
        elif _matches(name, everything):
            chosen, reason = {EVERYONE}, f"{name} changed (every scenario goes through it)"
        elif name in impact.files:
            chosen = impact.ran(name, lines)
            where = f"{name}:{min(lines)}" if lines else name
            reason = f"{where} changed (a line these scenarios ran)"
        else:
            chosen, reason = {EVERYONE}, f"{name} changed (a file the impact map does not know)"
        for location in {*chosen, *impact.unmeasured}:
            why.setdefault(location, reason if location in chosen else UNMEASURED.format(reason))
    if EVERYONE in why:
        reason = why.pop(EVERYONE)
        why = {location: why.get(location, reason) for location in impact.scenarios} | why
    return why


def record_env(folder, root):
    """The environment that makes every Python process the run starts measure itself."""
    rc = Path(folder) / "coveragerc"
    rc.write_text(
        "[run]\n"
        f"data_file = {Path(folder) / 'coverage'}\n"
        "parallel = true\n"
        "patch = _exit, fork\n"
        "sigterm = true\n"
        f"source = {root}\n"
        f"omit = {root}/.venv/*\n    {root}/tests/*\n    {root}/harvest/*\n    {root}/mutants/*\n"
        "plugins = django_coverage_plugin\n"
    )
    return {"COVERAGE_PROCESS_START": str(rc), "HARVEST_IMPACT_CONTEXT": str(Path(folder) / "context"),
            "TEMPLATE_DEBUG": "1"}  # fmt: skip


def collect(folder, root, scenarios, unmeasured=()):
    """The map from the coverage data the run's processes left in folder."""
    import coverage

    cov = coverage.Coverage(config_file=str(Path(folder) / "coveragerc"))
    cov.combine([str(folder)], keep=False)
    data = cov.get_data()
    index = {location: str(n) for n, location in enumerate(scenarios)}
    files = {}
    for measured in data.measured_files():
        try:
            name = str(Path(measured).resolve().relative_to(root))
        except ValueError:
            continue
        by = {}
        for line, contexts in data.contexts_by_lineno(measured).items():
            for context in contexts or [""]:
                by.setdefault(index.get(context, EVERYONE), set()).add(line)
        if by:
            files[name] = by
    return ImpactMap(git("rev-parse", "HEAD", root=root).strip(), scenarios, files, unmeasured)


def scratch():
    return tempfile.mkdtemp(prefix="harvest-impact-")


def say(why, out=sys.stdout):
    for location, reason in sorted(why.items()):
        print(f"harvest: {location}: {reason}", file=out)
