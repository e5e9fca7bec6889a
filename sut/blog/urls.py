"""The blog's URLs: the index and one page per post."""

from django.urls import path

from blog import views

app_name = "blog"
urlpatterns = [
    path("", views.index, name="index"),
    path("blog/<str:slug>/", views.detail, name="detail"),
]
