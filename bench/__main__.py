"""`make bench`: every benchmark in one run; a table on the terminal, Markdown and JSON in bench/results/.

`python -m bench SECTION...` runs only those sections (`make bench BENCH=purges`); the results of
the others are kept from the last run. Each section's results are written as soon as it ends,
and SIGTERM stops a run as Ctrl-C does: every stack a section started is stopped.
"""

import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench import (
    compose,
    crowds,
    grace,
    http,
    logins,
    migrations,
    plots,
    pool,
    purges,
    queue,
    scale,
    slow,
    staleness,
    stalls,
    suite,
    zipf,
)

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
    if name == "hit CPU per request / varnish's":
        return "≤ 0.67"
    return f"≥ {TARGETS[name]}" if name in TARGETS else ""


def http_lines(h):
    paths = [
        (name, f"{r['rps']:,.0f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", f"{r['max_ms']:.2f}",
         f"{r['cpu_us']:.1f}" if "cpu_us" in r else "")
        for name, r in h["paths"].items()
    ]  # fmt: skip
    ratios = [(name, f"{value:.2f}", _target(name)) for name, value in h["ratios"].items()]
    return [
        f"One {h['page_bytes']} byte page; wrk {h['wrk']}; nginx with {h['nginx_workers']} workers; "
        "all on loopback, one run.",
        "",
        *_rows(["path", "req/s", "p50 ms", "p99 ms", "max ms", "server CPU µs a request"], paths),
        "",
        *_rows(["ratio", "measured", "target"], ratios),
    ]


def crowd_lines(c):
    rows = [
        (name, r["readers"], "/".join(map(str, r["statuses"])), r["median_ms"], r["slowest_ms"],
         ", ".join(map(str, r["renders per burst"])))
        for name, r in c.items()
    ]  # fmt: skip
    return [
        "Crowds: readers asking at the same moment, 5 bursts each (targets: slowest ≤ 300 ms, "
        "≤ 2 renders per cold burst):",
        "",
        *_rows(["page", "readers", "status", "median ms", "slowest ms", "renders per burst"], rows),
    ]


def staleness_lines(s):
    stale, miss = s["staleness"], s["miss path"]
    return [
        f"Freshness: an editor saves a post every {staleness.EDIT_EVERY} s for {stale['seconds']:.0f} s "
        f"while {staleness.READERS} readers read it and the front page at full speed (target: ≤ 2 s):",
        "",
        *_rows(["measure", "value"], [(name, value) for name, value in stale.items() if name != "seconds"]),
        "",
        "What storing a missed page costs (target: the miss path ≤ 5 % slower than before leases):",
        "",
        *_rows(["measure", "value"], miss.items()),
    ]


def stall_lines(s):
    return [
        f"A stalled memcached: {s['cycles']} renders, each held once it read the post and let go, memcached "
        f"frozen {s['stall s']} s from a moment in the {s['render s'] * 1000:.0f} ms left, then an edit "
        f"(target: no old title served over {stalls.BOUND:.0f} s after the save):",
        "",
        *_rows(["measure", "value"], list(s.items())[3:]),
    ]


def scale_lines(s):
    header = list(s["rows"][0])
    return [
        f"One tag over more and more stored pages ({scale.PAGE_BYTES} byte pages, grace on, memcached "
        f"-m {s['memory MB']} -M), stored by the site's own code, then purged by one edit:",
        "",
        *_rows(header, [[f"{value:,}" if isinstance(value, int) else value for value in row.values()]
                        for row in s["rows"]]),
        "",
        "A render's store (lease, page and copies, lists, check, confirmation), median: "
        + ", ".join(f"{name} {value}" for name, value in s["render with tags"].items()) + ".",
    ]  # fmt: skip


def zipf_lines(z):
    return [
        f"The hit ratio at a fixed memory: {z['requests']:,} requests over {z['pages']:,} posts drawn from a "
        f"Zipf law, {zipf.READERS} readers at once, from cold; memcached -m {z['memory MB']} (-M) against "
        f"Varnish -s malloc,{z['memory MB']}m:",
        "",
        *_rows(["measure", "value"], list(z.items())[3:]),
    ]


def migration_lines(m):
    columns = ["wall s", "worker processes", "overhead per cluster ms", "peak MB per worker"]
    return [
        f"Clustered migration: {m['rows']} rows, {m['clusters']} clusters; the pool {m['pool']} at a time,"
        " Celery one cluster at a time per worker:",
        "",
        *_rows(
            ["mode", *columns],
            [(name, *(row.get(c, "-") for c in columns)) for name, row in m["modes"].items()],
        ),
        *(f"{name}: {row['skipped']}" for name, row in m["modes"].items() if "skipped" in row),
    ]


def pool_lines(p):
    counts = p["keys by server"]
    paths = [
        (name, f"{r['rps']:,.0f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}")
        for name, r in p["paths"].items()
    ]
    return [
        f"A pool of {p['nodes']} memcached (one ring for nginx and the site):",
        "",
        *_rows(["path", "req/s", "p50 ms", "p99 ms"], paths),
        "",
        f"10,000 keys by server: {', '.join(f'{c:,}' for c in counts)}"
        f" (most / least {max(counts) / min(counts):.2f}; target ≤ 1.2).",
        f"Pages served from memcached: {p['from memcached, all up']:.1%} with every server up;"
        f" {p['from memcached, one stopped']:.1%} with the second stopped (its share of the pages:"
        f" {1 - p['expected with one stopped']:.1%}), slowest answer {p['slowest ms, one stopped']} ms.",
    ]


def suite_lines(suite_runs, containers=None):
    columns = ["seconds", "stack start s", "browser start s", "passed", "failed"]
    runs = dict(suite_runs)
    if containers:
        runs["harvest --stack compose (all)"] = containers["suite"]
    rows = [(name, *(row[c] if row[c] is not None else "-" for c in columns)) for name, row in runs.items()]
    lines = _rows(["suite run", *columns], rows) + ["", *suite.ratios(suite_runs)]
    if containers:
        local, on_compose = suite_runs["harvest (all)"]["seconds"], containers["suite"]["seconds"]
        lines += [
            "",
            "Compose: images built cold (from debian:bookworm-slim, no build cache)"
            f" {containers['build cold s']} s, warm (nothing changed) {containers['build warm s']} s;"
            " the whole suite on containers"
            f" {on_compose / local:.2f}x the local run ({on_compose} / {local} s).",
        ]
    return lines


def purges_lines(p):
    rows = [(name, value) for name, value in p.items() if name != "first unlisted"]
    return [
        f"Purges under the admin's publish/unpublish of 3 posts, {p['actions']} actions, readers at full"
        " speed on two hosts (target: no stored page unlisted; the purge applied well within 2 s):",
        "",
        *_rows(["measure", "value"], rows),
    ]


def logins_lines(results):
    columns = ["reader p50 ms", "reader p99 ms", "logins per s", "answered 429", "passwords checked"]
    return [
        f"One client posting wrong passwords, {logins.RATE} a second for {logins.SECONDS:.0f} s,"
        " Django's real hasher; a reader meanwhile asks for pages never stored:",
        "",
        *_rows(["run", *columns], [(name, *(row[c] for c in columns)) for name, row in results.items()]),
    ]


def slow_lines(results):
    columns = ["readers", "render ms", "renders", "statuses", "slowest reader ms",
               "another page meanwhile ms", "memcached gets"]  # fmt: skip
    hung = results["app frozen, 10 readers"]
    return [
        "A slow or hung app (the app's time limit PAGECACHE_APP_TIMEOUT: 5 s); targets: a crowd of 30 during"
        " a 1.5 s render ≤ 2 renders, every reader 200; another page meanwhile about its own render time:",
        "",
        *_rows(columns, [[row[c] for c in columns] for row in results["crowds"]]),
        "",
        f"The app frozen: 10 readers of a page not stored got {hung['statuses']},"
        f" the slowest after {hung['slowest answer ms']} ms.",
    ]


def grace_lines(g):
    columns = list(next(iter(g["runs"].values())))
    return [
        "Grace: the app stopped after every page's lifetime; memory and the hit and miss paths with"
        " grace copies and without (targets: every page served; hit and miss paths within 5 %):",
        "",
        *_rows(["run", *columns], [(name, *(row[c] for c in columns)) for name, row in g["runs"].items()]),
        "",
        *_rows(["ratio", "measured"], g["ratios"].items()),
    ]


def queue_lines(q):
    rows = [(name, r["seconds"], r["passed"], r["failed"]) for name, r in q["rows"].items()]
    return [
        f"The suite across machines ({q['selection']}): one worker, -j, two queue-mode workers, two static"
        " shards, and a queue-mode worker killed halfway:",
        "",
        *_rows(["run", "seconds", "passed", "failed"], rows),
        "",
        *_rows(["ratio", "measured"], q["ratios"].items()),
    ]


def table(results):
    sections = [[f"# Benchmarks, {results['when']} ({results['machine']})"]]
    for name, lines in (("http", http_lines), ("crowds", crowd_lines), ("staleness", staleness_lines),
                        ("stalls", stall_lines), ("slow", slow_lines), ("grace", grace_lines),
                        ("purges", purges_lines), ("scale", scale_lines), ("zipf", zipf_lines),
                        ("logins", logins_lines), ("queue", queue_lines),
                        ("migrations", migration_lines), ("pool", pool_lines)):  # fmt: skip
        if name in results:
            sections.append(lines(results[name]))
    if "suite" in results:
        sections.append(suite_lines(results["suite"], results.get("compose")))
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def _on_sqlite(run, name):
    """run(database_url) on a fresh SQLite file."""
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        return run(f"sqlite:///{scratch / f'{name}.sqlite3'}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


SECTIONS = {
    "http": (f"the cache-hit path ({http.ROUNDS} rounds of 5 wrk runs of 5 s)", http.run),
    "crowds": ("crowds of readers", lambda: _on_sqlite(crowds.run, "crowds")),
    "staleness": (f"freshness under {staleness.DURATION:.0f} s of edits",
                  lambda: _on_sqlite(staleness.run, "staleness")),
    "stalls": (f"a stalled memcached, {stalls.CYCLES} cycles", lambda: _on_sqlite(stalls.run, "stalls")),
    "slow": ("a slow or hung app: crowds, another page meanwhile", lambda: _on_sqlite(slow.run, "slow")),
    "grace": ("grace: an outage of the app, memory per page, hit and miss paths", grace.run),
    "purges": (f"{purges.ACTIONS} publish/unpublish actions, every stored page listed",
               lambda: _on_sqlite(purges.run, "purges")),
    "scale": (f"one tag over {scale.SIZES[0]:,} to {scale.SIZES[-1]:,} stored pages", scale.run),
    "zipf": (f"the hit ratio at {zipf.MEMORY_MB} MB, against Varnish", zipf.run),
    "logins": ("a login flood with the real password hasher", lambda: _on_sqlite(logins.run, "logins")),
    "pool": (f"a pool of {pool.NODES} memcached", pool.run),
    "migrations": (f"the clustered migration on {migrations.ROWS} rows, both modes", migrations.run),
    "suite": ("the suite (--tag=-slow; all with -j 1, 2, 4 on SQLite and PostgreSQL)", suite.run),
    "compose": ("the compose stack (images cold and warm, the whole suite)", compose.run),
    "queue": ("the suite across machines: -j, queue mode, static shards, a worker killed", queue.run),
}  # fmt: skip


PLOTS = {"scale": plots.scale}  # the sections whose results are also drawn (docs/images/)


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")  # the same road as Ctrl-C: every stack stopped


def main(argv):
    unknown = [name for name in argv if name not in SECTIONS]
    if unknown:
        print(f"bench: no section {', '.join(unknown)}; the sections: {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    began = time.monotonic()
    saved = RESULTS / "bench.json"
    results = json.loads(saved.read_text()) if argv and saved.exists() else {}
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    results.update(when=time.strftime("%Y-%m-%d %H:%M"), machine=machine)
    RESULTS.mkdir(exist_ok=True)
    for name in argv or SECTIONS:
        label, run = SECTIONS[name]
        print(f"bench: {label} ...", flush=True)
        results[name] = run()
        if name in PLOTS:
            for image in PLOTS[name](results[name]):
                print(f"bench: plotted {image}", flush=True)
        results["seconds"] = round(time.monotonic() - began, 1)
        saved.write_text(json.dumps(results, indent=2) + "\n")
        (RESULTS / "bench.md").write_text(table(results))
    print(table(results))
    print(f"bench: written to {RESULTS / 'bench.md'} and bench.json in {results['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
