"""The purger: applies the purges the database recorded (pagecache.models), until memcached confirms.

It runs outside the app's workers (`manage.py purger`, one per site, started by every
launcher), so a purge is applied while the app is down, hung or restarting. Each round reads
the purges that are due, oldest first, joins their tags and purges them on every node
(pagecache.purge). A purge leaves the database only once every node confirmed it; a node that
did not (stopped, frozen, out of memory) is tried again the next round, every POLL seconds, so
a purge is applied at most POLL plus one memcached timeout after memcached answers again. A
node that confirmed is not purged again for the same rows (a pool with one node away keeps
the others' renders), and a purge applied twice does no harm.
"""

import logging
import time

from django.db import DatabaseError, close_old_connections
from django.db.models import Count, Min
from django.utils import timezone

from pagecache import purge, store
from pagecache.models import PendingPurge
from pagecache.store import Unavailable

log = logging.getLogger("pagecache")

POLL = 0.05
BATCH = 500
# The purges are said to be behind once the oldest has waited this long, and again every
# LAG_REPEAT seconds while they are.
LAG_WARNING = 5.0
LAG_REPEAT = 10.0
LAG_CHECK = 1.0  # how often the lag is looked at: an idle round is then one query, not two


def lag():
    """(how many purges are due and not applied, how long the oldest has waited in seconds)."""
    now = timezone.now()
    found = PendingPurge.objects.filter(due__lte=now).aggregate(count=Count("id"), oldest=Min("due"))
    oldest = (now - found["oldest"]).total_seconds() if found["oldest"] else 0.0
    return found["count"], max(oldest, 0.0)


def record(tags, due=None, withdraw=False):
    """A purge recorded from Python (an operator's), in the caller's transaction; withdraw: the
    pages lose their grace copies too (pagecache.grace)."""
    return PendingPurge.objects.create(tags=" ".join(tags), due=due or timezone.now(), withdraw=withdraw)


class Purger:
    """Applies due purges in rounds; remembers which nodes confirmed which rows."""

    def __init__(self):
        self.confirmed = {}  # row id -> servers that confirmed it
        self._warned = 0.0

    def round(self):
        """Apply what is due; how many purges it finished."""
        rows = list(PendingPurge.objects.filter(due__lte=timezone.now()).order_by("id")[:BATCH])
        if not rows:
            return 0
        for node in store.nodes():
            todo = [row for row in rows if node.server not in self.confirmed.get(row.id, ())]
            if not todo:
                continue
            page_tags = sorted({tag for row in todo for tag in row.tags.split()})
            withdrawn = sorted({tag for row in todo if row.withdraw for tag in row.tags.split()})
            try:
                purge.purge_node(node, page_tags, withdrawn)
            except Unavailable:
                continue  # logged by the node; tried again next round
            for row in todo:
                self.confirmed.setdefault(row.id, set()).add(node.server)
        servers = {node.server for node in store.nodes()}
        finished = [row.id for row in rows if self.confirmed.get(row.id, set()) >= servers]
        PendingPurge.objects.filter(id__in=finished).delete()
        for row_id in finished:
            self.confirmed.pop(row_id, None)
        return len(finished)

    def watch_lag(self):
        """Log when the purges fall behind, and when they catch up."""
        count, oldest = lag()
        now = time.monotonic()
        if oldest >= LAG_WARNING and now - self._warned >= LAG_REPEAT:
            self._warned = now
            log.warning("purges behind: %d waiting, the oldest for %.1f s", count, oldest)
        elif oldest < LAG_WARNING and self._warned:
            self._warned = 0.0
            log.warning("purges caught up")

    def run(self, stopping):
        """Rounds until stopping() is true; a database that went away is tried again."""
        checked = 0.0
        while not stopping():
            try:
                busy = self.round()
                if time.monotonic() - checked >= LAG_CHECK:
                    checked = time.monotonic()
                    self.watch_lag()
            except DatabaseError as error:
                log.warning("purger: database unavailable: %s", error)
                close_old_connections()
                busy = 0
                time.sleep(POLL * 10)
            if not busy:
                time.sleep(POLL)
