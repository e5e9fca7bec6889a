"""Tags say which content a page shows, so that a change purges exactly the pages that show it."""

from pagecache import store

TAG_PREFIX = "pagecache:tag:"


def tag_response(response, *tags):
    """Mark a response as showing the content named by tags (e.g. "post:7", "post-list")."""
    response.pagecache_tags = [*getattr(response, "pagecache_tags", ()), *tags]
    return response


def remember(key, tags, ttl):
    """Record that the page stored under key shows each tag's content; False if a list refused.

    The list's lifetime is renewed on every append, so it outlives every page it names. A list
    that cannot grow (memcached's item limit: a page re-rendered for weeks is listed each time)
    is emptied with the pages it names, which are then rendered afresh and listed again.
    """
    listed = True
    for tag in tags:
        if not store.append(TAG_PREFIX + tag, f"{key} ".encode("ascii"), ttl):
            store.delete_many([*set(pages_tagged(tag)), TAG_PREFIX + tag])
            listed = False
    return listed


def pages_tagged(tag):
    raw = store.get(TAG_PREFIX + tag) or b""
    return raw.decode("ascii").split()
