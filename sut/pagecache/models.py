"""Purges waiting to be applied: recorded with the change that causes them, in its transaction."""

from django.db import models


class PendingPurge(models.Model):
    """Forget the pages listed under tags, once due. Written by database triggers (pagecache.triggers)
    on every change a page shows, whoever makes it; applied and deleted by the purger."""

    tags = models.TextField()  # space-separated
    # When it applies: at once, or when a scheduled post appears.
    due = models.DateTimeField(db_index=True)
    # A withdrawal: the pages lose their grace copies too (pagecache.grace).
    withdraw = models.BooleanField(default=False, db_default=False)

    class Meta:
        db_table = "pagecache_pending_purge"
        ordering = ["id"]

    def __str__(self):
        kind = "withdraw" if self.withdraw else "purge"
        return f"{kind} {self.tags} (due {self.due:%Y-%m-%d %H:%M:%S})"
