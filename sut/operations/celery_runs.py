"""The clustered runner on Celery workers (operations.tasks), on this machine or any that reaches
the broker and the database: every cluster not yet logged becomes a task, and the results go to
the same log as the process pool's (operations.clusters), so a restarted runner resumes alike.
"""

import sys
import time

from django.core.management.base import CommandError

from operations.clusters import ClusterResult, Progress, Stats, done_clusters, record_finished


def run_clusters_on_celery(command, count, log_path=None, keep_going=False, out=sys.stdout, poll=0.05):
    """The same run on Celery workers (operations.tasks): every cluster not yet logged becomes a
    task; results come back through the result backend and go to the same log, so a restarted
    runner resumes as it does with the pool. Returns (failed cluster numbers, stats)."""
    from operations import tasks

    _check_broker(tasks)
    _check_workers(tasks, out)
    done = done_clusters(log_path, count)
    if done:
        out.write(f"resuming: {len(done)} of {count} clusters already done (from {log_path})\n")
    progress, stats, failed = Progress(count, len(done), out), Stats(), []
    sent = {
        tasks.run_cluster.apply_async((command, i, count)): i for i in range(1, count + 1) if i not in done
    }
    log = open(log_path, "a") if log_path else None  # noqa: SIM115  (kept open for the run)
    try:
        while sent:
            for handle in [handle for handle in sent if handle.ready()]:
                index = sent.pop(handle)
                result = _celery_result(handle, index)
                if result.error:
                    failed.append(index)
                    out.write(f"cluster {index}/{count} FAILED: {result.error}\n")
                    out.flush()
                    if not keep_going:  # the clusters not yet started are not run
                        tasks.app.control.revoke([h.id for h in sent])
                        sent.clear()
                    continue
                record_finished(log, result, count, stats, progress)
            time.sleep(poll)
    finally:
        if log:
            log.close()
    return sorted(failed), stats.as_dict()


def _celery_result(handle, index):
    try:
        value = handle.get(propagate=False, disable_sync_subtasks=False)
    except Exception as error:  # the backend itself failed
        return ClusterResult(index, error=f"{type(error).__name__}: {error}")
    if handle.failed() or not isinstance(value, dict):
        return ClusterResult(index, error=f"worker error: {value!r}")
    return ClusterResult(**value)


def _check_broker(tasks):
    """One line naming the URL when no broker answers; nothing is sent then."""
    try:
        with tasks.app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:
        raise CommandError(f"no Celery broker answers at {tasks.BROKER_URL}: {error}", returncode=2) from None


def _check_workers(tasks, out):
    """A worker that does not know the task runs older code: say so rather than wait for it."""
    inspect = tasks.app.control.inspect(timeout=1.0)
    # Only the workers of this run's queue: a broker may serve other sites' workers too.
    queues = inspect.active_queues() or {}
    ours = [name for name, consumed in queues.items() if any(q.get("name") == tasks.QUEUE for q in consumed)]
    registered = inspect.registered() or {} if ours else {}
    stale = sorted(name for name in ours if tasks.TASK not in registered.get(name, []))
    if stale:
        raise CommandError(
            f"worker(s) {', '.join(stale)} do not know the task {tasks.TASK}: they run an older version"
            " of the site; restart them on this one",
            returncode=2,
        )
    if not ours:
        out.write("no Celery worker answers yet: the clusters wait in the queue until one starts\n")
        out.flush()
