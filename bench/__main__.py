"""`make bench`: every benchmark in one run; a table on the terminal, Markdown and JSON in bench/results/."""

import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import http, migrations, stampede, suite

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {"hit/varnish": 1.0, "hit/static": 0.9, "hit/render": 20.0}


def table(results):
    lines = [
        f"# Benchmarks, {results['when']} ({results['machine']})",
        "",
        f"One {results['http']['page_bytes']} byte page; wrk {results['http']['wrk']}; "
        f"nginx with {results['http']['nginx_workers']} workers; all on loopback, one run.",
        "",
        "| path | req/s | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, row in results["http"]["paths"].items():
        lines.append(f"| {name} | {row['rps']:,.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} |")
    lines += ["", "| ratio | measured | target |", "| --- | ---: | ---: |"]
    for name, value in results["http"]["ratios"].items():
        target = TARGETS.get(name)
        if name == "hit p99 / varnish p99":
            target = "≤ 1.0"
        lines.append(
            f"| {name} | {value:.2f} | {'≥ ' + str(target) if isinstance(target, float) else target or ''} |"
        )
    lines += ["", f"Renders per cold burst of {results['stampede']['readers']} readers:", ""]
    for name, renders in results["stampede"]["renders per burst"].items():
        lines.append(f"- {name}: {renders}")
    m = results["migrations"]
    lines += [
        "",
        f"Clustered migration: {m['rows']} rows, {m['clusters']} clusters, {m['pool']} at a time:",
        "",
    ]
    lines += ["| mode | wall s | worker processes | overhead per cluster ms | peak MB per worker |"]
    lines += ["| --- | ---: | ---: | ---: | ---: |"]
    for name, row in m["modes"].items():
        cells = [
            name,
            row["wall s"],
            row["worker processes"],
            row["overhead per cluster ms"],
            row["peak MB per worker"],
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", "| suite run | seconds | stack start s | browser start s | passed | failed |"]
    lines += ["| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, row in results["suite"].items():
        cells = [
            name,
            row["seconds"],
            row["stack start s"],
            row["browser start s"] or "-",
            row["passed"],
            row["failed"],
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main():
    began = time.monotonic()
    results = {"when": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{platform.machine()}, "
               f"{__import__('os').cpu_count()} cores"}  # fmt: skip
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
