"""`manage.py run_clustered COMMAND --clusters N --pool P [--log FILE] [--reuse K] [--keep-going]`."""

from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError

from operations.celery_runs import run_clusters_on_celery
from operations.clusters import run_clusters


class Command(BaseCommand):
    help = "Run a clustered data migration: N clusters, P at a time, resumable from its log."

    def add_arguments(self, parser):
        parser.add_argument("command", help="a command that takes --cluster=I/N (e.g. rebuild_search)")
        parser.add_argument("--clusters", type=int, required=True, metavar="N")
        parser.add_argument("--pool", type=int, default=2, metavar="P", help="clusters at a time (default 2)")
        parser.add_argument(
            "--log", metavar="FILE", help="record finished clusters here; a restart skips them"
        )
        parser.add_argument(
            "--reuse", type=int, default=1, metavar="K",
            help="clusters a worker process runs before it is replaced (default 1: a fresh one each)",
        )  # fmt: skip
        parser.add_argument(
            "--keep-going", action="store_true", help="run the other clusters after a failure"
        )
        parser.add_argument(
            "--engine", choices=["pool", "celery"], default="pool",
            help="pool: worker processes here (default); celery: Celery workers anywhere (CELERY_BROKER_URL)",
        )  # fmt: skip

    def handle(self, *args, **options):
        if options["command"] not in get_commands():
            raise CommandError(f"no command {options['command']!r}")
        for name in ("clusters", "pool", "reuse"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1")
        if options["engine"] == "celery":
            failed, stats = run_clusters_on_celery(
                options["command"], options["clusters"], log_path=options["log"],
                keep_going=options["keep_going"], out=self.stdout,
            )  # fmt: skip
        else:
            failed, stats = run_clusters(
                options["command"], options["clusters"], options["pool"], log_path=options["log"],
                keep_going=options["keep_going"], reuse=options["reuse"], out=self.stdout,
            )  # fmt: skip
        self.stdout.write(
            f"{stats['clusters run']} clusters run in {stats['wall seconds']:.1f} s by {stats['workers']} "
            f"worker processes ({stats['work seconds']:.1f} s of work in clusters); "
            f"peak memory of a worker {stats['peak kB per worker'] / 1024:.0f} MB"
        )
        if failed:
            numbers = ", ".join(str(i) for i in failed)
            raise CommandError(
                f"cluster(s) {numbers} of {options['clusters']} failed; fix and run again to resume"
            )
