"""`manage.py forget PAGE...`: forget pages now, their grace copies too, on every host and memcached."""

from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from pagecache import outbox, tags


class Command(BaseCommand):
    help = (
        "Forget the pages at these paths (every host, every query string), their grace copies too: "
        "never served again, not even while the app is down. Applied by the purger."
    )

    def add_arguments(self, parser):
        parser.add_argument("pages", nargs="+", metavar="PAGE", help="a path (/blog/hello-world/) or a URL")

    def handle(self, *args, **options):
        paths = [_path(page) for page in options["pages"]]
        row = outbox.record([tags.path_tag(path) for path in paths], withdraw=True)
        self.stdout.write(f"forgetting {', '.join(paths)} (purge {row.pk}); `manage.py purges --wait 5`")


def _path(page):
    path = urlsplit(page).path
    if not path.startswith("/"):
        raise CommandError(
            f"{page!r} is neither a path nor a URL: expected /blog/hello-world/ or http://host/path"
        )
    return path
