"""Content the scenarios start from, written straight to the test database."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone


def author(username="editor", name="Erin Editor"):
    first, _, last = name.partition(" ")
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last}
    )
    return user


def slugify(title):
    from django.utils.text import slugify as django_slugify

    return django_slugify(title, allow_unicode=True)


def slug_of(uri):
    """The slug in a post's URI, /blog/<slug>/."""
    prefix = "/blog/"
    assert uri.startswith(prefix) and uri.endswith("/"), f"not a post URI: {uri!r}"
    return uri[len(prefix) : -1]


def post(title, uri=None, *, slug=None, body="", published=True, age_days=0):
    from blog.models import Post

    return Post.objects.create(
        title=title,
        slug=slug or slug_of(uri),
        body=body or "A post written for the suite.",
        author=author(),
        status=Post.Status.PUBLISHED if published else Post.Status.DRAFT,
        published_at=timezone.now() - timedelta(days=age_days) if published else None,
    )


def titled(title):
    """The post with that title (the original, not a copy of it)."""
    from blog.models import Post

    found = Post.objects.filter(title=title).order_by("pk").first()
    if found is None:
        raise AssertionError(f"no post titled {title!r}")
    return found


def edit(title, /, **fields):
    """An editor's save of the post titled title with new values (the model's save, its signals)."""
    post = titled(title)
    for name, value in fields.items():
        setattr(post, name, value)
    post.save()


def clear_publication_time(title):
    """One UPDATE of the publication time to NULL, as a script or the shell would write it."""
    from blog.models import Post

    updated = Post.objects.filter(pk=titled(title).pk).update(published_at=None)
    assert updated == 1, f"{title!r} was not updated"
