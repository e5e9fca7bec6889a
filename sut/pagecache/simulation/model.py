"""What a reader may be served, kept from the editors' actions alone (never from the cache's code).

Every action of an editor is an epoch. For each address (a path; every host alike) the model
keeps the epoch of the last change a page there shows, and of the last withdrawal of it. A page
stored for an address must have been rendered from content read at or after its last change; a
grace copy at or after its last withdrawal. A render's epoch is the one its view read the
database in (the scheduler records it).
"""

from collections import defaultdict
from dataclasses import dataclass, field

INDEX = "/"


def detail(slug):
    return f"/blog/{slug}/"


@dataclass
class PostState:
    pk: int
    slug: str
    visible: bool = True
    exists: bool = True
    slugs: list = field(default_factory=list)  # every slug it had: each an address of its own

    def addresses(self):
        return [detail(slug) for slug in self.slugs]


class Model:
    def __init__(self):
        self.epoch = 0
        self.changed = defaultdict(int)
        self.withdrawn = defaultdict(int)
        self.posts = {}

    def add(self, pk, slug):
        self.posts[pk] = PostState(pk, slug, slugs=[slug])

    def addresses(self):
        return [INDEX, *(address for post in self.posts.values() for address in post.addresses())]

    def change(self, pk, visible=None, slug=None, exists=True):
        """A write to post pk: it shows elsewhere now (slug), is seen or not (visible), or is gone."""
        post = self.posts[pk]
        self.epoch += 1
        for address in [INDEX, *post.addresses()]:
            self.changed[address] = self.epoch
        leaves = post.visible and (not exists or visible is False)
        if leaves:  # readers could see it and no longer can: no copy of any page showing it stays
            for address in [INDEX, *post.addresses()]:
                self.withdrawn[address] = self.epoch
        if slug is not None and slug != post.slug:  # its old address shows nothing now
            self.withdrawn[detail(post.slug)] = self.epoch
            post.slug = slug
            post.slugs.append(slug)
        if visible is not None:
            post.visible = visible
        post.exists = exists
        if not exists:
            post.visible = False

    def forget(self, address):
        """An operator's forget: the address is withdrawn, on every host."""
        self.epoch += 1
        self.changed[address] = self.withdrawn[address] = self.epoch
