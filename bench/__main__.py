"""`make bench`: every benchmark in one run; a table on the terminal, Markdown and JSON in bench/results/."""

import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import http, migrations, stampede, suite

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {"hit/varnish": 1.0, "hit/static": 0.9, "hit/render": 20.0}


def _rows(header, rows):
    """A Markdown table: a header, then one line per row of cells."""
    return [
        "| " + " | ".join(header) + " |",
        "| --- |" + " ---: |" * (len(header) - 1),
        *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows),
    ]


def _target(name):
    if name == "hit p99 / varnish p99":
        return "≤ 1.0"
    return f"≥ {TARGETS[name]}" if name in TARGETS else ""


def http_lines(h):
    paths = [
        (name, f"{r['rps']:,.0f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}")
        for name, r in h["paths"].items()
    ]
    ratios = [(name, f"{value:.2f}", _target(name)) for name, value in h["ratios"].items()]
    return [
        f"One {h['page_bytes']} byte page; wrk {h['wrk']}; nginx with {h['nginx_workers']} workers; "
        "all on loopback, one run.",
        "",
        *_rows(["path", "req/s", "p50 ms", "p99 ms"], paths),
        "",
        *_rows(["ratio", "measured", "target"], ratios),
    ]


def stampede_lines(s):
    return [
        f"Renders per cold burst of {s['readers']} readers:",
        "",
        *(f"- {n}: {r}" for n, r in s["renders per burst"].items()),
    ]


def migration_lines(m):
    columns = ["wall s", "worker processes", "overhead per cluster ms", "peak MB per worker"]
    return [
        f"Clustered migration: {m['rows']} rows, {m['clusters']} clusters, {m['pool']} at a time:",
        "",
        *_rows(["mode", *columns], [(name, *(row[c] for c in columns)) for name, row in m["modes"].items()]),
    ]


def suite_lines(suite_runs):
    columns = ["seconds", "stack start s", "browser start s", "passed", "failed"]
    rows = [
        (name, *(row[c] if row[c] is not None else "-" for c in columns)) for name, row in suite_runs.items()
    ]
    return _rows(["suite run", *columns], rows)


def table(results):
    sections = [
        [f"# Benchmarks, {results['when']} ({results['machine']})"],
        http_lines(results["http"]),
        stampede_lines(results["stampede"]),
        migration_lines(results["migrations"]),
        suite_lines(results["suite"]),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def main():
    began = time.monotonic()
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    results = {"when": time.strftime("%Y-%m-%d %H:%M"), "machine": machine}
    print(f"bench: the cache-hit path ({http.ROUNDS} rounds of 5 wrk runs of 5 s) ...", flush=True)
    results["http"] = http.run()
    print("bench: stampede bursts ...", flush=True)
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        results["stampede"] = stampede.run(f"sqlite:///{scratch / 'stampede.sqlite3'}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"bench: the clustered migration on {migrations.ROWS} rows, both modes ...", flush=True)
    results["migrations"] = migrations.run()
    print("bench: the suite (harvest --tag=-slow, then all) ...", flush=True)
    results["suite"] = suite.run()
    results["seconds"] = round(time.monotonic() - began, 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    text = table(results)
    (RESULTS / "bench.md").write_text(text)
    print(text)
    print(f"bench: written to {RESULTS / 'bench.md'} and bench.json in {results['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
