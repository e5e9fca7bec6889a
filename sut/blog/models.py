"""Posts and their publication state."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PostQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)
    body = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Derived from the body by a post_save handler (blog.signals), never typed by an editor.
    word_count = models.PositiveIntegerField(default=0, editable=False)
    reading_minutes = models.PositiveIntegerField(default=0, editable=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    # Written by the `rebuild_search` data migration (blog.search): the text search looks in,
    # and the version of the rules that wrote it.
    search_text = models.TextField(blank=True, editable=False)
    search_version = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("blog:detail", kwargs={"slug": self.slug})

    def duplicate(self):
        """A copy as a new draft: its own primary key and slug, the same author and tags."""
        return duplicate_post(self)

    def publish(self):
        self.status = self.Status.PUBLISHED
        self.save()

    def unpublish(self):
        self.status = self.Status.DRAFT
        self.published_at = None
        self.save()

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)


def duplicate_post(post, attempts=50):
    """Copy post to a draft with the first free slug of slug-copy, slug-copy-2, ...

    The slug is chosen, then inserted in a savepoint: if another copy took it meanwhile, the
    unique constraint refuses it and the next one is tried, so a copy never fails on it.
    """
    from django.db import IntegrityError, transaction

    base = f"{post.slug}-copy"
    taken = set(Post.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    candidates = (base if n == 1 else f"{base}-{n}" for n in range(1, 10**6))
    tags = list(post.tags.all())
    for slug in candidates:
        if slug in taken:
            continue
        attempts -= 1
        copy = Post(title=post.title, slug=slug, body=post.body, author=post.author, status=Post.Status.DRAFT)
        try:
            with transaction.atomic():
                copy.save()
                copy.tags.set(tags)
            return copy
        except IntegrityError:
            taken.add(slug)
            if attempts <= 0:
                raise
    raise RuntimeError("no free slug")  # pragma: no cover
