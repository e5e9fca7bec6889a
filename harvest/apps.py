"""harvest as a Django app, for `manage.py harvest`."""

from django.apps import AppConfig


class HarvestConfig(AppConfig):
    name = "harvest"
    default_auto_field = "django.db.models.AutoField"
