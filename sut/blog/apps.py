"""The blog's app config: connects its signal handlers."""

from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "blog"

    def ready(self):
        from blog import signals  # noqa: F401  (connects the handlers)
