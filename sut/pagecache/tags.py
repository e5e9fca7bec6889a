"""Tags say which content a page shows, so that a change purges exactly the pages that show it.

A tag's list lives on each memcached of a pool that holds a page showing it, and names the
pages stored on that node only.
"""

TAG_PREFIX = "pagecache:tag:"


def tag_response(response, *tags):
    """Mark a response as showing the content named by tags (e.g. "post:7", "post-list")."""
    response.pagecache_tags = [*getattr(response, "pagecache_tags", ()), *tags]
    return response


def remember(node, key, tags, ttl):
    """Record that the page stored under key on node shows each tag's content; False if a list refused.

    The list's lifetime is renewed on every append, so it outlives every page it names. A list
    that cannot grow (memcached's item limit: a page re-rendered for weeks is listed each time)
    is emptied with the pages it names, which are then rendered afresh and listed again.
    """
    listed = True
    for tag in tags:
        if not node.append(TAG_PREFIX + tag, f"{key} ".encode("ascii"), ttl):
            node.delete_many([*set(pages_tagged(node, tag)), TAG_PREFIX + tag])
            listed = False
    return listed


def pages_tagged(node, tag):
    raw = node.get(TAG_PREFIX + tag) or b""
    return raw.decode("ascii").split()
