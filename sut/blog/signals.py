"""Signal handlers of the blog: a changed post purges the stored pages that show it."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from blog.models import Post
from pagecache import purge


def _purge_after_commit(post):
    tags = [f"post:{post.pk}", "post-list"]
    transaction.on_commit(lambda: purge.purge_tags(tags))


@receiver(post_save, sender=Post, dispatch_uid="blog.purge_on_save")
def purge_on_save(sender, instance, **kwargs):
    _purge_after_commit(instance)


@receiver(post_delete, sender=Post, dispatch_uid="blog.purge_on_delete")
def purge_on_delete(sender, instance, **kwargs):
    _purge_after_commit(instance)
