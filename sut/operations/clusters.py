"""Clusters: deterministic, disjoint, covering slices of a table, and a resumable way to run them.

A command that takes `--cluster=I/N` processes the I-th of N slices (rows whose primary key
is I-1 modulo N). The runner runs the N clusters P at a time, each in a worker process that
is replaced after K clusters (K=1: a fresh process per cluster), so memory is returned to the
system as it goes; K>1 saves the start of a process.

Each finished cluster is appended to a log (flushed and fsynced); a restart skips the clusters
the log names, so a run killed at any moment, kill -9 included, resumes: a cluster that was
running is run again, and since a cluster commits in one transaction, its first attempt
either committed (its rows are then skipped as done) or left nothing.
"""

import io
import os
import re
import resource
import signal
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.models import F
from django.db.models.functions import Mod

from operations.lifetime import die_with_parent

LOG_LINE = re.compile(r"^cluster (\d+)/(\d+) done rows=(\d+)")


def parse_cluster(text):
    """'3/10' -> (3, 10), checked."""
    match = re.fullmatch(r"(\d+)/(\d+)", text or "")
    if not match:
        raise CommandError(f"--cluster takes I/N, e.g. 3/10; got {text!r}")
    index, count = int(match[1]), int(match[2])
    if not 1 <= index <= count:
        raise CommandError(f"--cluster {text}: I must be from 1 to N")
    return index, count


def slice_of(queryset, index, count):
    """The rows of cluster index (1-based) of count: primary key modulo count."""
    return queryset.annotate(_cluster=Mod(F("pk"), count)).filter(_cluster=index - 1)


def done_clusters(log_path, count):
    """Clusters the log records as finished, for a run of count clusters."""
    if log_path is None or not Path(log_path).exists():
        return {}
    done = {}
    for line in Path(log_path).read_text().splitlines():
        match = LOG_LINE.match(line)
        if match and int(match[2]) == count:
            done[int(match[1])] = int(match[3])
    return done


def _worker_start():
    die_with_parent(signal.SIGKILL)  # no orphan after kill -9 of the runner
    connections.close_all()


def _context():
    """Workers fork from a fork server that loaded Django once, before any thread existed.

    (Forking the runner itself can deadlock: the pool's threads may hold a lock at that moment.)
    """
    context = get_context("forkserver")
    context.set_forkserver_preload(["operations.worker"])
    return context


def run_one(task):
    """In a worker: run one cluster; (index, rows, seconds, peak kB, pid) or (index, error)."""
    command, index, count = task
    began = time.monotonic()
    try:
        rows = call_command(command, cluster=f"{index}/{count}", verbosity=0, stdout=io.StringIO())
    except Exception as error:  # reported by the runner, with the cluster's number
        return index, None, f"{type(error).__name__}: {error}", 0, os.getpid()
    finally:
        connections.close_all()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return index, int(rows or 0), time.monotonic() - began, peak_kb, os.getpid()


class Progress:
    def __init__(self, total, already, out):
        self.total, self.done, self.out = total, already, out
        self.began, self.started_with = time.monotonic(), already

    def advance(self, index, rows):
        self.done += 1
        elapsed = time.monotonic() - self.began
        rate = (self.done - self.started_with) / elapsed if elapsed else 0.0
        left = (self.total - self.done) / rate if rate else float("inf")
        self.out.write(
            f"cluster {index} done ({rows} rows): {self.done}/{self.total}, "
            f"{rate:.1f} clusters/s, {left:.0f} s left\n"
        )
        self.out.flush()


def run_clusters(command, count, pool, log_path=None, keep_going=False, reuse=1, out=sys.stdout):
    """Run the clusters not yet logged; returns (failed cluster numbers, stats)."""
    done = done_clusters(log_path, count)
    todo = [i for i in range(1, count + 1) if i not in done]
    progress = Progress(count, len(done), out)
    if done:
        out.write(f"resuming: {len(done)} of {count} clusters already done (from {log_path})\n")
    stats = {"clusters run": 0, "work seconds": 0.0, "peak kB per worker": 0, "workers": set()}
    failed = []
    began = time.monotonic()
    # A pool that notices a worker dying (BrokenProcessPool) instead of waiting for it forever.
    executor = ProcessPoolExecutor(
        max_workers=pool,
        mp_context=_context(),
        initializer=_worker_start,
        max_tasks_per_child=reuse,
    )
    log = open(log_path, "a") if log_path else None  # noqa: SIM115  (kept open for the run)
    queue, pending = list(todo), {}
    try:
        while queue or pending:
            while queue and len(pending) < pool and (keep_going or not failed):
                index = queue.pop(0)
                pending[executor.submit(run_one, (command, index, count))] = index
            if not pending:
                break
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                index = pending.pop(future)
                try:
                    _, rows, seconds, peak_kb, pid = future.result()
                except Exception as error:  # the worker itself died
                    rows, seconds = None, f"worker died: {type(error).__name__}: {error}"
                if rows is None:
                    failed.append(index)
                    out.write(f"cluster {index}/{count} FAILED: {seconds}\n")
                    out.flush()
                    continue
                if log:
                    log.write(f"cluster {index}/{count} done rows={rows} seconds={seconds:.3f}\n")
                    log.flush()
                    os.fsync(log.fileno())
                stats["clusters run"] += 1
                stats["work seconds"] += seconds
                stats["peak kB per worker"] = max(stats["peak kB per worker"], peak_kb)
                stats["workers"].add(pid)
                progress.advance(index, rows)
    finally:
        # After a failure the clusters under way finish (each commits or rolls back whole).
        executor.shutdown(wait=True, cancel_futures=True)
        if log:
            log.close()
    stats["wall seconds"] = time.monotonic() - began
    stats["workers"] = len(stats["workers"])
    return sorted(failed), stats
