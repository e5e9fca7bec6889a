"""Site-wide views: the health check and the site's own error pages."""

import sys

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.views.decorators.cache import never_cache

from pagecache.outbox import lag

RETRY_AFTER = "30"


@never_cache
def health(request):
    """Answers 200 once the app can reach its database; says how far behind the purges are."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    try:
        waiting, oldest = lag()
        purges = f"purges waiting: {waiting}\noldest purge waiting: {oldest:.1f} s\n"
    except DatabaseError:  # not migrated yet: the app answers, purges are unknown
        purges = "purges waiting: unknown\n"
    return HttpResponse(f"ok\n{purges}", content_type="text/plain")


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    """A database that is down gets the friendly 503 page (the one nginx shows when the app is)."""
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError):
        # A static page: rendering must not need the database that just failed.
        response = HttpResponse(get_template("503.html").template.source, status=503)
        response["Retry-After"] = RETRY_AFTER
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponse(get_template("500.html").template.source, status=500)
