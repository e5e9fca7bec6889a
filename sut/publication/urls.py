"""The site's URLs."""

from django.contrib import admin
from django.urls import include, path

from publication import views

urlpatterns = [
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("specimens/", include("specimens.urls")),
    path("", include("accounts.urls")),
    path("", include("blog.urls")),
]

handler404 = "publication.views.not_found"
handler500 = "publication.views.server_error"
