"""Purging: forget every stored page that shows some content, on every host and every memcached."""

import logging

from pagecache import renders, store
from pagecache.tags import TAG_PREFIX, pages_tagged

log = logging.getLogger("pagecache")


def purge_tags(tags):
    """Delete the pages recorded under each tag, then the tag lists; returns how many keys.

    The generation advances first, so that no render begun before this purge stores its page.
    """
    renders.advance()
    pages = 0
    for node in store.nodes():  # each node lists the pages it holds
        keys = {key for tag in tags for key in pages_tagged(node, tag)}
        node.delete_many(keys | {TAG_PREFIX + tag for tag in tags})
        pages += len(keys)
    log.info("purged %d stored pages for %s", pages, ", ".join(tags))
    return pages
