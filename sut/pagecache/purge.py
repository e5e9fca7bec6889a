"""Purging: forget every stored page that shows some content, on every host and every memcached.

A purge on a node advances the node's generation first (no render begun earlier stores its
page: pagecache.renders), then deletes the pages listed under the tags and removes exactly the
entries it read (pagecache.tags). An edit leaves the pages' grace copies; a withdrawal (a post
unpublished or deleted, an operator's forget) deletes those listed under its tags too. Every
step is confirmed by memcached or raises Unavailable, and every step may be repeated: a purge
that did not finish is applied again, whole, by the purger (pagecache.outbox), until memcached
confirms it.
"""

import logging

import django.dispatch

from pagecache import renders, store, tags
from pagecache.store import Unavailable

log = logging.getLogger("pagecache")

# Sent after a purge read its tag lists on a node, before it deletes anything (sender: the
# node; tags=): the moment a render listing its page matters most, for observers such as
# the suite's pause point.
lists_read = django.dispatch.Signal()


class NodePurge:
    """One purge on one node, step by step (the unit tests interleave the steps with a render's)."""

    def __init__(self, node, page_tags, withdrawn=()):
        self.node, self.tags, self.withdrawn = node, list(page_tags), list(withdrawn)
        self.listings, self.pages = {}, set()

    def advance(self):
        renders.advance(self.node)

    def read(self):
        self.listings = tags.read(self.node, self.tags)
        lists_read.send(sender=self.node, tags=self.tags)

    def delete(self):
        self.pages = tags.delete_listed(self.node, self.listings, self.withdrawn)

    def trim(self):
        tags.trim_read(self.node, self.listings, self.withdrawn)

    steps = ("advance", "read", "delete", "trim")

    def run(self):
        for step in self.steps:
            getattr(self, step)()
        return self.pages


def purge_node(node, page_tags, withdrawn=()):
    """Forget the pages listed under page_tags on one node, and their grace copies under withdrawn
    (pagecache.grace); the pages deleted. Unavailable: not done."""
    return NodePurge(node, sorted({*page_tags, *withdrawn}), withdrawn).run()


def purge_tags(page_tags, nodes=None, withdrawn=()):
    """Forget the pages listed under page_tags on each node (all by default); how many pages.

    withdrawn: tags whose pages lose their grace copies too. Every node is tried; Unavailable
    names those that did not confirm.
    """
    pages, failed = 0, []
    for node in nodes or store.nodes():
        try:
            pages += len(purge_node(node, page_tags, withdrawn))
        except Unavailable as error:
            failed.append(str(error))
    if failed:
        raise Unavailable("; ".join(failed))
    log.info("purged %d stored pages for %s", pages, ", ".join(page_tags))
    return pages
