"""Signal handlers of the blog: derived fields filled after a save.

Stored pages are purged by the database itself (blog.purges), for every writer.

The derived fields are saved from inside the post_save handler. The usual guard against the
handler triggering itself, disconnecting it around its own save, is unsafe: while it is
disconnected a save on another thread skips it, and a save that raises never reconnects it.
Here the handler recognises its own save by what it saves (only the derived fields) and
ignores it: no shared state, nothing to restore, correct on every thread and after any error.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from blog.derived import DERIVED_FIELDS, derive
from blog.models import Post


def _is_own_save(update_fields):
    return update_fields is not None and set(update_fields) <= DERIVED_FIELDS


@receiver(post_save, sender=Post, dispatch_uid="blog.fill_derived_fields")
def fill_derived_fields(sender, instance, update_fields=None, **kwargs):
    if _is_own_save(update_fields):
        return
    values = derive(instance.body)
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        instance.save(update_fields=changed)
