"""Clusters on Celery workers, on this machine or any other that reaches the broker and the database.

One task per cluster. A task is acknowledged when it has finished, not when a worker took it
(acks_late): a worker killed in the middle of a cluster (kill -9, a machine lost) leaves its
task unacknowledged, and the broker hands it to another worker once VISIBILITY seconds have
passed. A cluster commits in one transaction and skips the rows already done, so a cluster run
twice (its first run died, or outlived the visibility timeout) is applied once in effect.

Workers: `cd sut && celery -A operations.tasks worker --concurrency 1 -n NAME@%h` with the
runner's DATABASE_URL, CELERY_BROKER_URL and CELERY_QUEUE. (Not `--pool solo`: a solo worker
acknowledges only between tasks, so turning acks_late off would change nothing there.)
"""

import dataclasses
import os

import django
from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publication.settings")
django.setup()

from operations.broker import BROKER_URL  # noqa: E402
from operations.clusters import run_one  # noqa: E402  (needs Django set up)

TASK = "operations.run_cluster"
# A task whose worker died is handed out again after this long; a cluster that runs longer is
# handed out twice (harmless, see above), so it is a bound on a cluster's time, not a wait.
VISIBILITY = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "10"))

app = Celery("publication", broker=BROKER_URL, backend=os.environ.get("CELERY_RESULT_BACKEND", BROKER_URL))
QUEUE = os.environ.get("CELERY_QUEUE", "clusters")  # a run's queue: runs on one broker stay apart

app.conf.update(
    task_default_queue=QUEUE,
    task_acks_late=True,
    task_reject_on_worker_lost=True,  # a worker process that died: its task goes back, not away
    worker_prefetch_multiplier=1,  # a worker holds no task it has not started
    # Redis: a worker looks every 2 s for tasks a dead worker held longer than VISIBILITY (kombu
    # otherwise scans on every 10th look only: a 20 s wait).
    # The unacknowledged tasks are kept under the run's queue too: kombu's default keys are one
    # per Redis database, and any worker there would restore any run's tasks.
    broker_transport_options={
        "visibility_timeout": VISIBILITY,
        "unacked_restore_interval": 2,
        "unacked_restore_throttle": 1,
        "unacked_key": f"{QUEUE}.unacked",
        "unacked_index_key": f"{QUEUE}.unacked_index",
        "unacked_mutex_key": f"{QUEUE}.unacked_mutex",
    },
    result_expires=24 * 3600,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)


@app.task(name=TASK)
def run_cluster(command, index, count):
    """One cluster, in a worker: what run_one reports, as a dict."""
    return dataclasses.asdict(run_one((command, index, count)))
