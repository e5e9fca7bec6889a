"""The editors' admin for posts: create, edit, publish, unpublish, delete."""

from django.contrib import admin, messages

from blog.models import Post, Tag
from pagecache import outbox


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "author", "published_at", "updated_at", "reading_minutes"]
    list_filter = ["status"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["word_count", "reading_minutes", "updated_at"]
    actions = ["publish", "unpublish", "duplicate", "forget_pages"]
    filter_horizontal = ["tags"]

    # Each post is saved on its own (not a queryset update), so its signals run and the pages
    # that show it are purged.
    @admin.action(description="Publish the selected posts")
    def publish(self, request, queryset):
        for post in queryset:
            post.publish()
        messages.success(request, f"Published {queryset.count()} post(s).")

    @admin.action(description="Unpublish the selected posts")
    def unpublish(self, request, queryset):
        for post in queryset:
            post.unpublish()
        messages.success(request, f"Unpublished {queryset.count()} post(s).")

    @admin.action(description="Duplicate the selected posts (as drafts)")
    def duplicate(self, request, queryset):
        copies = [post.duplicate() for post in queryset]
        messages.success(request, f"Created {len(copies)} draft(s): {', '.join(c.slug for c in copies)}.")

    @admin.action(description="Forget the cached pages that show the selected posts (grace copies too)")
    def forget_pages(self, request, queryset):
        outbox.record([*(f"post:{post.pk}" for post in queryset), "post-list"], withdraw=True)
        shown = queryset.count()
        messages.success(request, f"The pages showing {shown} post(s) are forgotten, grace copies too.")
