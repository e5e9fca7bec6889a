"""`manage.py purges [--wait S]`: how far behind the purges are (how many wait, the oldest's age)."""

import time

from django.core.management.base import BaseCommand, CommandError

from pagecache.outbox import lag


class Command(BaseCommand):
    help = "Say how many purges wait to be applied and how long the oldest has waited."

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait", type=float, default=0.0, metavar="SECONDS",
            help="wait up to SECONDS for every due purge to be applied; exit 1 if not",
        )  # fmt: skip

    def handle(self, *args, **options):
        deadline = time.monotonic() + options["wait"]
        count, oldest = lag()
        while count and time.monotonic() < deadline:
            time.sleep(0.05)
            count, oldest = lag()
        self.stdout.write(f"{count} purges waiting, the oldest for {oldest:.1f} s")
        if count and options["wait"]:
            raise CommandError(f"purges still waiting after {options['wait']:g} s")
