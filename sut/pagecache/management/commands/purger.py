"""`manage.py purger`: apply the recorded purges until stopped (SIGTERM or Ctrl-C)."""

import logging
import signal

from django.core.management.base import BaseCommand

from pagecache.outbox import Purger


class Command(BaseCommand):
    help = "Apply the purges the database recorded, until memcached confirms each (runs until stopped)."

    def handle(self, *args, **options):
        stop = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.append(True))
        logging.getLogger("pagecache").info("purger started")
        Purger().run(lambda: bool(stop))
