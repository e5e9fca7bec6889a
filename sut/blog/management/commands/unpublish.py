"""`manage.py unpublish SLUG...`: take posts back to draft (their stored pages are purged)."""

from blog.management.commands import publish


class Command(publish.Command):
    help = "Unpublish (back to draft) the posts with these slugs."
    action = "unpublish"
