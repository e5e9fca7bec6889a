"""Loaded once by the runner's fork server: Django set up, so each worker starts in milliseconds."""

import django

django.setup()
