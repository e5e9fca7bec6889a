"""How fast the suite is: stack start, `harvest --tag=-slow`, the whole suite with 1, 2 and 4
workers (harvest -j) on SQLite and on PostgreSQL."""

import os
import re
import subprocess
import sys
import time

from stack.paths import ROOT

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/sut")
JOBS = (1, 2, 4)


def harvest(*args, env=None):
    began = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "harvest.cli", "-v", "0", *args], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, **(env or {})})  # fmt: skip
    elapsed = time.monotonic() - began
    timings = dict(re.findall(r"(stack start|browser start|whole run) ([\d.]+) s", result.stdout))
    summary = re.search(r"harvest: (\d+) passed(?: \(\d+ flaky\))?, (\d+) failed", result.stdout)
    return {
        "seconds": round(elapsed, 1),
        "stack start s": float(timings.get("stack start", "nan")),
        "browser start s": float(timings["browser start"]) if "browser start" in timings else None,
        "passed": int(summary[1]) if summary else None,
        "failed": int(summary[2]) if summary else None,
    }


def postgres_unreachable():
    """Why the server cannot be used, or None (asked through its maintenance database: the
    suite's own is created as test_<name>)."""
    import psycopg

    server = POSTGRES.replace("postgres://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    try:
        psycopg.connect(server, connect_timeout=3).close()
    except psycopg.Error as error:
        return str(error).splitlines()[0]
    return None


def run():
    runs = {"harvest --tag=-slow": harvest("--tag=-slow")}
    databases = [("SQLite", None)]
    if not (why := postgres_unreachable()):
        databases.append(("PostgreSQL", {"DATABASE_URL": POSTGRES}))
    else:
        print(f"bench: no PostgreSQL at {POSTGRES} ({why}): SQLite only", flush=True)
    for database, env in databases:
        for jobs in JOBS:
            runs[whole(jobs, database)] = harvest("-j", str(jobs), env=env)
    return runs


def whole(jobs, database):
    """The name of a whole-suite row."""
    return "harvest (all)" if (jobs, database) == (1, "SQLite") else f"harvest -j {jobs} (all, {database})"


def ratios(runs):
    """-j 2 against -j 1, and -j 4, by database, against the targets."""
    lines = []
    for database in ("SQLite", "PostgreSQL"):
        one, two, four = (runs.get(whole(jobs, database)) for jobs in JOBS)
        if one and two and four:
            lines.append(
                f"{database}: -j 1 {one['seconds']} s, -j 2 {two['seconds']} s"
                f" ({two['seconds'] / one['seconds']:.2f}x; target ≤ 0.65x),"
                f" -j 4 {four['seconds']} s (target ≤ 25 s)."
            )
    return lines
