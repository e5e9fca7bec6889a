"""The suite across "machines": one worker, two local workers (-j 2), two workers in queue mode
(`harvest --queue`, each worker a process group of its own, as a machine would be), and two
static shards (--shard 1/2 and 2/2), each timed alone, then side by side; and the time a worker
killed halfway through a queue-mode run costs. Every row runs the same selection (BENCH_SUITE,
default: the whole suite). Run alone: `python -m bench queue`.
"""

import os
import re
import signal
import subprocess
import sys
import time
import uuid

from stack.paths import ROOT

BROKER = os.environ.get("BENCH_QUEUE", "redis://127.0.0.1:6379/4")
SELECTION = os.environ.get("BENCH_SUITE", "").split()
HARVEST = [sys.executable, "-m", "harvest.cli"]


def _counts(text):
    found = re.search(r"harvest: (\d+) passed(?: \(\d+ flaky\))?, (\d+) failed", text)
    return {"passed": int(found[1]), "failed": int(found[2])} if found else {"passed": None, "failed": None}


def _timed(*commands):
    """harvest commands side by side: the seconds until the last one ended, and each one's counts."""
    began = time.monotonic()
    processes = [
        subprocess.Popen(
            [*HARVEST, "-v", "0", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )  # fmt: skip
        for args in commands
    ]
    counts = [_counts(process.communicate()[0]) for process in processes]
    return round(time.monotonic() - began, 1), counts


def _queue(workers=2, kill_after=None):
    """A queue-mode run with `workers` workers, each a process group of its own; kill_after: the
    seconds after which the first is killed (kill -9). (seconds, counts)."""
    run = uuid.uuid4().hex[:8]
    began = time.monotonic()
    main = subprocess.Popen([*HARVEST, "-v", "0", "--queue", BROKER, "--run", run, *SELECTION], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    worker = [*HARVEST, "worker", "--queue", BROKER, "--run", run]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    pool = [subprocess.Popen(worker, cwd=ROOT, start_new_session=True, **quiet) for _ in range(workers)]
    try:
        if kill_after is not None:
            time.sleep(kill_after)
            os.killpg(pool[0].pid, signal.SIGKILL)
        out = main.communicate(timeout=1800)[0]
        return round(time.monotonic() - began, 1), _counts(out)
    finally:
        for process in pool:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _row(seconds, counts):
    return {"seconds": seconds, **counts}


def _alone(args):
    seconds, (counts,) = _timed(args)
    return _row(seconds, counts)


def run():
    rows = {}
    rows["one worker"] = _alone(SELECTION)
    rows["-j auto (2 here)"] = _alone(["-j", "auto", *SELECTION])
    rows["queue, 2 workers"] = _row(*_queue())
    shards = [["--shard", f"{n}/2", *SELECTION] for n in (1, 2)]
    for n, args in enumerate(shards, start=1):
        rows[f"shard {n}/2 alone"] = _alone(args)
    seconds, counts = _timed(*shards)
    both = {name: sum(c[name] or 0 for c in counts) for name in ("passed", "failed")}
    rows["shards 1/2 and 2/2 side by side"] = _row(seconds, both)
    queue = rows["queue, 2 workers"]["seconds"]
    killed = _row(*_queue(kill_after=queue / 2))
    rows["queue, 2 workers, one killed halfway"] = killed
    side_by_side = rows["shards 1/2 and 2/2 side by side"]["seconds"]
    ratios = {
        "queue / shards side by side (target ≤ 1.0)": round(queue / side_by_side, 2),
        "queue / -j auto": round(queue / rows["-j auto (2 here)"]["seconds"], 2),
        "seconds lost to a worker killed halfway": round(killed["seconds"] - queue, 1),
    }
    return {"rows": rows, "ratios": ratios, "selection": " ".join(SELECTION) or "the whole suite"}
