"""`manage.py publish SLUG...`: publish posts (their stored pages are purged)."""

from django.core.management.base import BaseCommand, CommandError

from blog.models import Post


class Command(BaseCommand):
    help = "Publish the posts with these slugs."
    action = "publish"

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="+")

    def handle(self, *slugs, **options):
        for slug in options["slugs"]:
            try:
                post = Post.objects.get(slug=slug)
            except Post.DoesNotExist:
                raise CommandError(f"no post with slug {slug!r}") from None
            getattr(post, self.action)()
            self.stdout.write(f"{self.action}ed {slug}")
