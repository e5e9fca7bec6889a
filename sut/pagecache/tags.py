"""Tags say which content a page shows, so that a change purges exactly the pages that show it.

A tag's list lives on each memcached of a pool that holds a page showing it, and names the
pages stored on that node only. Every store of a page appends an entry of its own (the page's
key and the render's token), after the page is stored. A list is never deleted whole: a purge
removes exactly the entries it read (compare-and-swap), so an entry a render appended after
that read stays, and the page it names stays reachable by the next purge. An entry is removed
only by a purge that read it, which deletes its page after the read, and so after the store
the entry stands for.
"""

from django.conf import settings

TAG_PREFIX = "pagecache:tag:"
# A list that keeps changing under a trim keeps the entries the trim could not remove: they
# cost space only (their pages are deleted), and the next purge tries again.
TRIM_ATTEMPTS = 5


def tag_response(response, *tags):
    """Mark a response as showing the content named by tags (e.g. "post:7", "post-list")."""
    response.pagecache_tags = [*getattr(response, "pagecache_tags", ()), *tags]
    return response


def list_ttl():
    """A list outlives every page it names: its lifetime is renewed to the longest a page gets."""
    return settings.PAGECACHE_TTL


def entry(key, token):
    return f"{key}.{token}".encode("ascii")


def page_of(listed):
    """The page key an entry names."""
    return listed.split(b".", 1)[0].decode("ascii")


def entries(raw):
    return (raw or b"").split()


def remember(node, key, token, tags):
    """List the page stored under key on node under each tag; False when a list refused it.

    A list that cannot grow (memcached's item limit: a page re-rendered for weeks is listed
    each time) is purged of the pages it names, which are then rendered afresh and listed again.
    """
    from pagecache.store import Unavailable

    listed = entry(key, token) + b" "
    for tag in tags:
        if node.append(TAG_PREFIX + tag, listed, list_ttl()):
            continue
        try:
            forget_listed(node, [tag])
        except Unavailable:
            return False
        if not node.append(TAG_PREFIX + tag, listed, list_ttl()):
            return False
    return True


def read(node, tags):
    """{tag: (entries, cas token)} of the lists on node that exist; Unavailable when it does not answer."""
    found = node.confirmed(lambda c: c.gets_many([TAG_PREFIX + tag for tag in tags]))
    return {key[len(TAG_PREFIX) :]: (entries(value), cas) for key, (value, cas) in found.items()}


def trim(node, tag, read_entries, cas):
    """Remove exactly the entries read (with that cas token) from a tag's list; appended ones stay."""
    forget = set(read_entries)
    current = read_entries
    key = TAG_PREFIX + tag
    for _ in range(TRIM_ATTEMPTS):
        left = [listed for listed in current if listed not in forget]
        if len(left) == len(current):
            return True
        value = b"".join(listed + b" " for listed in left)
        swapped = node.confirmed(lambda c, v=value, t=cas: c.cas(key, v, t, expire=list_ttl(), noreply=False))
        if swapped is None:  # the list expired meanwhile: nothing left to trim
            return True
        if swapped:
            return True
        raw, cas = node.confirmed(lambda c: c.gets(key))
        if cas is None:
            return True
        current = entries(raw)
    return False


def listed_pages(listings):
    """The page keys named in the listings read (read())."""
    return {page_of(listed) for found, _ in listings.values() for listed in found}


def delete_listed(node, listings):
    pages = listed_pages(listings)
    if pages:
        node.confirmed(lambda c: c.delete_many(sorted(pages), noreply=False))
    return pages


def trim_read(node, listings):
    for tag, (found, cas) in listings.items():
        trim(node, tag, found, cas)


def forget_listed(node, tags):
    """Delete every page listed under tags on node, then remove the entries read; pages deleted."""
    listings = read(node, tags)
    pages = delete_listed(node, listings)
    trim_read(node, listings)
    return pages


def pages_tagged(node, tag):
    """The page keys listed under tag on node (for tests and operators)."""
    return [page_of(listed) for listed in entries(node.get(TAG_PREFIX + tag))]
