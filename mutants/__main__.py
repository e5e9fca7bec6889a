"""`make mutants`: break one rule at a time in a scratch copy of the checkout; harvest must go red.

Each mutant of mutants/catalogue.toml names a rule, a file, the exact text it replaces and the
smallest harvest selection expected to catch it; or, with `runner = "simulation"`, the page
cache's simulator (sut/pagecache/simulation) at its `make test` budget, which must find it.
A rule guarded twice (the app and nginx both refuse a private request) is broken with its twin
guard (`also`), since either holds alone.
Every mutant is applied alone to a copy of the checkout (never the working tree) and that
copy's harvest runs its selection, several copies at a time, each with its own stack and
ports. First the unmutated copy runs every selection: a mutant counts as caught only where the
same selection passes without it.

The table goes to reports/mutants.md. Exit status 1 when a mutant survives, when the baseline
fails, or when a mutant's text no longer occurs exactly once in its file (the catalogue drifted).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Path(__file__).resolve().parent / "catalogue.toml"
TIMEOUT = 600
FAILING = re.compile(r"^\s+(features/\S+:\d+)\s+(.*)$", re.M)
# What the simulator reports for each kind of broken promise it shrank a history to.
VIOLATION = re.compile(r"pagecache\.simulation\.machine\.(\w+): (.*)$", re.M)
SIMULATION = ["manage.py", "test", "pagecache.test_simulation", "--noinput"]


@dataclass
class Mutant:
    """One rule broken: an edit (file, old text, new text), and the twin guard's when it has one."""

    rule: str
    edits: list
    select: list
    runner: str = "harvest"  # or "simulation"

    @property
    def file(self):
        return self.edits[0][0]

    def drift(self):
        """Why the mutant no longer applies, or None."""
        for file, old, _ in self.edits:
            path = ROOT / file
            if not path.exists():
                return f"{file} does not exist"
            count = path.read_text().count(old)
            if count != 1:
                return f"its text occurs {count} times in {file}"
        return None

    def apply(self, copy):
        for file, old, new in self.edits:
            path = copy / file
            path.write_text(path.read_text().replace(old, new, 1))


@dataclass
class Outcome:
    caught: bool
    red: list
    seconds: float
    detail: str = ""


def load(path=CATALOGUE):
    mutants = []
    for entry in tomllib.loads(path.read_text())["mutant"]:
        edits = [(e["file"], e["old"], e["new"]) for e in [entry, *entry.get("also", [])]]
        runner = entry.get("runner", "harvest")
        mutants.append(Mutant(entry["rule"], edits, entry.get("select", []), runner))
    return mutants


def _checkout_files():
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout  # fmt: skip
    return [name for name in listed.decode().split("\0") if name and (ROOT / name).is_file()]


def scratch_copy(files, mutant=None):
    """A copy of the checkout's files in a new folder, with the mutant applied."""
    copy = Path(tempfile.mkdtemp(prefix="mutant-"))
    for name in files:
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    if mutant is not None:
        mutant.apply(copy)
    return copy


def harvest(copy, select):
    """Run the copy's own harvest on a selection: (exit status, output, seconds)."""
    began = time.monotonic()
    reports = str(copy / "reports")
    argv = [sys.executable, "-m", "harvest.cli", *select, "--tag=-browser", "-v", "1", "--reports", reports]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HARVEST", "PYTHONPATH"))}
    try:
        done = subprocess.run(argv, cwd=copy, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        status, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as error:
        status, output = -1, f"timed out after {TIMEOUT} s\n{error.stdout or ''}"
    return status, output, time.monotonic() - began


def simulation(copy, select=()):
    """Run the copy's simulator at its `make test` budget: (exit status, output, seconds)."""
    began = time.monotonic()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIMULATION", "PYTHONPATH"))}
    env["SIMULATION_SHRINK"] = "0"  # found is enough: no time spent shrinking the history
    try:
        done = subprocess.run(
            [sys.executable, *SIMULATION],
            cwd=copy / "sut",
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        status, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as error:
        status, output = -1, f"timed out after {TIMEOUT} s\n{error.stdout or ''}"
    return status, output, time.monotonic() - began


RUNNERS = {"harvest": harvest, "simulation": simulation}


def try_mutant(files, mutant):
    copy = scratch_copy(files, mutant)
    try:
        status, output, seconds = RUNNERS[mutant.runner](copy, mutant.select)
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    red = [f"{where} {name.strip()}" for where, name in FAILING.findall(output)]
    red += [f"simulation: {kind}: {what.strip()}" for kind, what in VIOLATION.findall(output)]
    if status == 0:
        return Outcome(False, [], seconds)
    if not red:
        last = output.strip().splitlines()[-1:] or ["no output"]
        return Outcome(True, [], seconds, f"harvest exited {status}: {last[0]}")
    return Outcome(True, red, seconds)


def baseline(files, mutants):
    """Every selection of the catalogue, passing on the unmutated copy: None, or what failed."""
    selections = {(m.runner, tuple(m.select)) for m in mutants}
    copy = scratch_copy(files)
    try:
        for runner, select in sorted(selections):
            status, output, _ = RUNNERS[runner](copy, list(select))
            if status != 0:
                return f"{runner} {' '.join(select)} fails without any mutant:\n{output[-2000:]}"
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return None


def changed_lines(mutant):
    """Each file the mutant edits, with the lines its old text spans (as a diff would say them)."""
    from harvest.impact import statements

    changes = {}
    for file, old, _ in mutant.edits:
        text = (ROOT / file).read_text()
        first = text[: text.index(old)].count("\n") + 1
        lines = set(range(first, first + old.count("\n") + 1))
        changes.setdefault(file, set()).update(statements(text, lines) if file.endswith(".py") else lines)
    return changes


def impact_check(results, map_path):
    """Each mutant as a change: harvest --changed's choice must hold a scenario that caught it.
    Lines of a table (rule, scenarios chosen, their seconds by the last timings) and the misses."""
    from harvest import impact, schedule

    known = impact.ImpactMap.load(map_path)
    timings = schedule.read_timings(ROOT / "reports" / schedule.TIMINGS) or {}
    lines, missed = (
        ["| rule | chosen by --changed | seconds | holds a red one |", "| --- | ---: | ---: | --- |"],
        [],
    )
    for mutant, outcome in results:
        if mutant.runner != "harvest":
            continue  # --changed chooses scenarios; the simulator runs whole in make test
        red = {entry.split()[0] for entry in outcome.red}
        chosen = impact.choose(known, changed_lines(mutant), set(), lambda name: [], ROOT)
        seconds = sum(timings.get(location, 0.0) for location in chosen)
        holds = bool(red & set(chosen)) or (outcome.caught and not red and bool(chosen))
        if not holds:
            missed.append(mutant.rule)
        verdict = "yes" if holds else "**no**"
        share = f"{len(chosen)} of {len(known.scenarios)}"
        lines.append(f"| {mutant.rule} | {share} | {seconds:.0f} | {verdict} |")
    return lines, missed


def table(results):
    lines = ["| rule | file | caught | went red | seconds |", "| --- | --- | --- | --- | ---: |"]
    for mutant, outcome in results:
        red = "<br>".join(outcome.red[:4]) + (f" (+{len(outcome.red) - 4})" if len(outcome.red) > 4 else "")
        verdict = "caught" if outcome.caught else "**survived**"
        cells = [mutant.rule, f"`{mutant.file}`", verdict, red or outcome.detail, f"{outcome.seconds:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="mutants", description=__doc__.splitlines()[0])
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="copies at a time")
    parser.add_argument("-k", "--only", action="append", help="only the mutants whose rule contains this")
    parser.add_argument("--report", default=str(ROOT / "reports" / "mutants.md"))
    parser.add_argument(
        "--impact", metavar="MAP",
        help="also check that harvest --changed, on each mutant's change, chooses a scenario that caught it",
    )  # fmt: skip
    options = parser.parse_args(argv)
    mutants = load()
    if options.only:
        mutants = [m for m in mutants if any(text.lower() in m.rule.lower() for text in options.only)]
    drifted = [(m, m.drift()) for m in mutants if m.drift()]
    for mutant, why in drifted:
        print(f"mutants: the catalogue drifted: {mutant.rule!r}: {why}", file=sys.stderr)
    if drifted:
        return 1
    began, files = time.monotonic(), _checkout_files()
    print("mutants: the baseline (every selection, unmutated) ...", flush=True)
    failure = baseline(files, mutants)
    if failure:
        print(f"mutants: {failure}", file=sys.stderr)
        return 1
    print(f"mutants: {len(mutants)} mutants, {options.jobs} at a time ...", flush=True)
    results = []
    with ThreadPoolExecutor(options.jobs) as pool:
        futures = [(m, pool.submit(try_mutant, files, m)) for m in mutants]
        for number, (mutant, future) in enumerate(futures, 1):
            outcome = future.result()
            results.append((mutant, outcome))
            verdict = "caught" if outcome.caught else "SURVIVED"
            seconds = f"{outcome.seconds:.0f} s"
            print(f"mutants: [{number}/{len(mutants)}] {verdict}: {mutant.rule} ({seconds})", flush=True)
    survived = [m for m, o in results if not o.caught]
    summary = (
        f"{len(results) - len(survived)} of {len(results)} mutants caught by harvest, "
        f"{len(survived)} survived; {time.monotonic() - began:.0f} s with {options.jobs} at a time."
    )
    report = Path(options.report)
    report.parent.mkdir(parents=True, exist_ok=True)
    text = f"# Mutants\n\n{summary}\n\n{table(results)}"
    missed = []
    if options.impact:
        lines, missed = impact_check(results, options.impact)
        scenarios = [result for result in results if result[0].runner == "harvest"]
        held = len(scenarios) - len(missed)
        chosen = f"{held} of {len(scenarios)} mutants' changes choose a scenario that caught them"
        text += f"\n## harvest --changed on each mutant\n\n{chosen}.\n\n" + "\n".join(lines) + "\n"
        print(f"mutants: --changed: {chosen}", flush=True)
        for rule in missed:
            print(f"mutants: --changed misses {rule!r}: it chose no scenario that caught it", file=sys.stderr)
    report.write_text(text)
    print(f"mutants: {summary} Table: {report}")
    return 1 if survived or missed else 0


if __name__ == "__main__":
    sys.exit(main())
