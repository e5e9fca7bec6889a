"""Purging: forget every stored page that shows some content, on every host."""

import logging

from pagecache import renders, store
from pagecache.tags import TAG_PREFIX, pages_tagged

log = logging.getLogger("pagecache")


def purge_tags(tags):
    """Delete the pages recorded under each tag, then the tag lists; returns how many keys.

    The generation advances first, so that no render begun before this purge stores its page.
    """
    renders.advance()
    keys = set()
    for tag in tags:
        keys.update(pages_tagged(tag))
    keys.update(TAG_PREFIX + tag for tag in tags)
    store.delete_many(keys)
    log.info("purged %d stored pages for %s", len(keys) - len(tags), ", ".join(tags))
    return len(keys) - len(tags)
