"""The specimen pages, under /specimens/."""

from django.urls import path

from specimens import views

app_name = "specimens"
urlpatterns = [
    path("varies-on-language/", views.varies_on_language),
    path("private/", views.private),
    path("no-store/", views.no_store),
    path("sets-a-cookie/", views.sets_a_cookie),
    path("streaming/", views.streaming),
    path("plain-text/", views.plain_text),
    path("storable/", views.storable),
    path("slow/<int:milliseconds>/", views.slow),
]
