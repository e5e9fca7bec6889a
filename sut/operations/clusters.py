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
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.models import F
from django.db.models.functions import Mod

import lifetime

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
    lifetime.die_with_parent(signal.SIGKILL)  # no orphan after kill -9 of the runner
    connections.close_all()


RUN_MARK = "CLUSTERED_RUN"  # in the environment of the fork server, its workers, the resource tracker
_reaper = []


def _context():
    """Workers fork from a fork server that loaded Django once, before any thread existed.

    (Forking the runner itself can deadlock: the pool's threads may hold a lock at that moment.)
    The fork server, the workers it forks and the resource tracker all carry the run's mark, and
    a reaper stops every one of them when the runner ends, however it ends: a worker forked in
    the very moment the runner is killed, before its initializer runs, included.
    """
    if not _reaper:
        _reaper.append(lifetime.start_reaper(RUN_MARK))  # one per runner process, until it exits
    context = get_context("forkserver")
    context.set_forkserver_preload(["operations.worker"])
    return context


@dataclass
class ClusterResult:
    """What a worker reports of one cluster: its rows and costs, or the error that stopped it."""

    index: int
    rows: int = 0
    seconds: float = 0.0
    peak_kb: int = 0
    pid: int = 0
    error: str | None = None


def run_one(task):
    """In a worker: run one cluster."""
    command, index, count = task
    began = time.monotonic()
    try:
        rows = call_command(command, cluster=f"{index}/{count}", verbosity=0, stdout=io.StringIO())
    except Exception as error:  # reported by the runner, with the cluster's number
        return ClusterResult(index, pid=os.getpid(), error=f"{type(error).__name__}: {error}")
    finally:
        connections.close_all()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return ClusterResult(index, int(rows or 0), time.monotonic() - began, peak_kb, os.getpid())


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


class Stats:
    """The run's totals, for the closing line."""

    def __init__(self):
        self.clusters_run, self.work_seconds, self.peak_kb, self.workers = 0, 0.0, 0, set()
        self.began = time.monotonic()
        self.wall_seconds = 0.0

    def add(self, result):
        self.clusters_run += 1
        self.work_seconds += result.seconds
        self.peak_kb = max(self.peak_kb, result.peak_kb)
        self.workers.add(result.pid)

    def as_dict(self):
        return {
            "clusters run": self.clusters_run,
            "work seconds": self.work_seconds,
            "peak kB per worker": self.peak_kb,
            "workers": len(self.workers),
            "wall seconds": time.monotonic() - self.began,
        }


def _outcome(future, index):
    try:
        return future.result()
    except Exception as error:  # the worker itself died
        return ClusterResult(index, error=f"worker died: {type(error).__name__}: {error}")


def record_finished(log, result, count, stats, progress):
    """A cluster done: logged (when there is a log), counted, reported."""
    if log:
        _log_done(log, result, count)
    stats.add(result)
    progress.advance(result.index, result.rows)


def _log_done(log, result, count):
    """One fsynced line a finished cluster: a restart after kill -9 skips it."""
    log.write(f"cluster {result.index}/{count} done rows={result.rows} seconds={result.seconds:.3f}\n")
    log.flush()
    os.fsync(log.fileno())


def _executor(pool, reuse):
    # A pool that notices a worker dying (BrokenProcessPool) instead of waiting for it forever.
    return ProcessPoolExecutor(
        max_workers=pool, mp_context=_context(), initializer=_worker_start, max_tasks_per_child=reuse
    )


def run_clusters(command, count, pool, log_path=None, keep_going=False, reuse=1, out=sys.stdout):
    """Run the clusters not yet logged; returns (failed cluster numbers, stats)."""
    done = done_clusters(log_path, count)
    if done:
        out.write(f"resuming: {len(done)} of {count} clusters already done (from {log_path})\n")
    queue = [i for i in range(1, count + 1) if i not in done]
    progress, stats, failed, pending = Progress(count, len(done), out), Stats(), [], {}
    executor = _executor(pool, reuse)
    log = open(log_path, "a") if log_path else None  # noqa: SIM115  (kept open for the run)
    try:
        while queue or pending:
            while queue and len(pending) < pool and (keep_going or not failed):
                index = queue.pop(0)
                pending[executor.submit(run_one, (command, index, count))] = index
            if not pending:
                break
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                result = _outcome(future, pending.pop(future))
                if result.error:
                    failed.append(result.index)
                    out.write(f"cluster {result.index}/{count} FAILED: {result.error}\n")
                    out.flush()
                    continue
                record_finished(log, result, count, stats, progress)
    finally:
        # After a failure the clusters under way finish (each commits or rolls back whole).
        executor.shutdown(wait=True, cancel_futures=True)
        if log:
            log.close()
    return sorted(failed), stats.as_dict()
