"""`manage.py rebuild_search [--cluster=I/N]`: the data migration that rebuilds posts' search text.

Real per-row work: the search text (folded, deduplicated words) and the derived fields of each
post. Rows already at the current search version are skipped, so a cluster run twice does
nothing the second time. One transaction per cluster: killed half-way, it leaves nothing.
Pages that show a changed post are purged by the database's triggers (blog.purges).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from blog.derived import derive
from blog.models import Post
from blog.search import SEARCH_VERSION, CannotIndex, search_text
from operations.clusters import parse_cluster, slice_of

BATCH = 500
FIELDS = ["search_text", "search_version", "word_count", "reading_minutes"]


class Command(BaseCommand):
    help = "Rebuild the search text and derived fields of posts (one cluster of them with --cluster=I/N)."

    def add_arguments(self, parser):
        parser.add_argument("--cluster", default="1/1", metavar="I/N")

    def handle(self, *args, **options):
        index, count = parse_cluster(options["cluster"])
        rows = slice_of(Post.objects.filter(search_version__lt=SEARCH_VERSION), index, count).order_by("pk")
        done = 0
        with transaction.atomic():
            batch = []
            for post in rows.only("pk", "title", "body").iterator(chunk_size=BATCH):
                try:
                    post.search_text = search_text(post.title, post.body)
                except CannotIndex as error:
                    raise CommandError(f"post {post.pk}: {error}") from None
                for name, value in derive(post.body).items():
                    setattr(post, name, value)
                post.search_version = SEARCH_VERSION
                batch.append(post)
                if len(batch) == BATCH:
                    done += self._write(batch)
            done += self._write(batch)
        if options["verbosity"] > 0:
            self.stdout.write(f"cluster {index}/{count}: {done} posts rebuilt")
        return str(done)

    @staticmethod
    def _write(batch):
        """One UPDATE a row, sent as one batch (executemany): Django's bulk_update builds a CASE
        of every row for each field, and that took two thirds of a cluster's time."""
        fields = [Post._meta.get_field(name) for name in FIELDS]
        quote = connection.ops.quote_name
        sets = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        sql = f"UPDATE {quote(Post._meta.db_table)} SET {sets} WHERE {quote(Post._meta.pk.column)} = %s"
        rows = [
            [field.get_db_prep_save(getattr(post, field.attname), connection) for field in fields] + [post.pk]
            for post in batch
        ]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)
        written = len(batch)
        batch.clear()
        return written
