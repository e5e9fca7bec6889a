"""The index of published posts and the page of one post."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from blog.models import Post
from pagecache.tags import tag_response
from pagecache.variants import declare_query

PAGE_SIZE = 10


def index(request):
    posts = Post.objects.published().select_related("author")
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    response = render(request, "blog/index.html", {"page": page})
    if "page" in request.GET:  # stored as ?page=N only for an existing N, written as the links write it
        declare_query(response, page=page.number)
    return tag_response(response, "post-list", *{f"author:{post.author_id}" for post in page})


def detail(request, slug):
    try:
        post = Post.objects.published().select_related("author").get(slug=slug)
    except Post.DoesNotExist:
        raise Http404("No such post") from None
    response = render(request, "blog/detail.html", {"post": post})
    return tag_response(response, f"post:{post.pk}", f"author:{post.author_id}")
