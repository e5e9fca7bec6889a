"""Tags say which content a page shows, so that a change purges exactly the pages that show it.

A tag's list lives on each memcached of a pool that holds a page showing it, and names the
pages stored on that node only. Every store of a page appends an entry of its own (the page's
key and the render's token), after the page is stored. A list is never deleted whole: a purge
removes exactly the entries it read (compare-and-swap), so an entry a render appended after
that read stays, and the page it names stays reachable by the next purge. An entry is removed
only by a purge that read it, which deletes its page after the read, and so after the store
the entry stands for.
"""

import hashlib

from django.conf import settings

from pagecache import grace

TAG_PREFIX = "pagecache:tag:"
# The grace lists: the same entries, trimmed only by withdrawals (pagecache.grace).
GRACE_TAG_PREFIX = "pagecache:grace-tag:"
# A list that keeps changing under a trim keeps the entries the trim could not remove: they
# cost space only (their pages are deleted), and the next purge tries again.
TRIM_ATTEMPTS = 5


def tag_response(response, *tags):
    """Mark a response as showing the content named by tags (e.g. "post:7", "post-list")."""
    response.pagecache_tags = [*getattr(response, "pagecache_tags", ()), *tags]
    return response


def path_tag(uri):
    """Every stored page is tagged with its path (any host, any query string): an operator's forget."""
    path = uri.split("?", 1)[0]
    return "path:" + hashlib.md5(path.encode("latin-1")).hexdigest()


def list_ttl():
    """A list outlives every item it reaches: renewed to the longest a page's items live (its
    validity mark and grace copy, pagecache.grace)."""
    return grace.ttl() if grace.enabled() else settings.PAGECACHE_TTL


def entry(key, token):
    return f"{key}.{token}".encode("ascii")


def page_of(listed):
    """The page key an entry names."""
    return listed.split(b".", 1)[0].decode("ascii")


def entries(raw):
    return (raw or b"").split()


def remember(node, key, token, tags, prefix=TAG_PREFIX):
    """List the page stored under key on node under each tag; False when a list refused it.

    A list that cannot grow (memcached's item limit, or memcached full) keeps one entry per
    page (compact()); if that is not enough, it is purged of the pages it names, which are then
    rendered afresh and listed again.
    """
    from pagecache.store import Unavailable

    listed = entry(key, token) + b" "
    for tag in tags:
        name = prefix + tag
        if node.append(name, listed, list_ttl()):
            continue
        try:
            if compact(node, name) and node.append(name, listed, list_ttl()):
                continue
            forget_listed(node, [tag], withdrawn=[tag] if prefix == GRACE_TAG_PREFIX else ())
        except Unavailable:
            return False
        if not node.append(name, listed, list_ttl()):
            return False
    return True


def compact(node, name):
    """Keep a list's last entry for each page (any entry reaches the page's items); True if shorter."""
    raw, cas = node.confirmed(lambda c: c.gets(name))
    if cas is None:
        return False
    latest = {page_of(listed): listed for listed in entries(raw)}
    value = b"".join(listed + b" " for listed in latest.values())
    if len(value) >= len(raw):
        return False
    return bool(node.confirmed(lambda c: c.cas(name, value, cas, expire=list_ttl(), noreply=False)))


def names(tags, withdrawn=()):
    """The lists a purge reads: each tag's, and the grace lists of the tags it withdraws."""
    return [TAG_PREFIX + tag for tag in tags] + [GRACE_TAG_PREFIX + tag for tag in withdrawn]


def read(node, lists):
    """{list: (entries, cas token)} of the lists on node that exist; Unavailable when it does not answer."""
    found = node.confirmed(lambda c: c.gets_many(list(lists)))
    return {name: (entries(value), cas) for name, (value, cas) in found.items()}


def trim(node, name, read_entries, cas):
    """Remove exactly the entries read (with that cas token) from a list; appended ones stay."""
    forget = set(read_entries)
    current = read_entries
    for _ in range(TRIM_ATTEMPTS):
        left = [listed for listed in current if listed not in forget]
        if len(left) == len(current):
            return True
        value = b"".join(listed + b" " for listed in left)
        swapped = node.confirmed(lambda c, v=value, t=cas: _swap(c, name, v, t))
        if swapped is None:  # the list expired meanwhile: nothing left to trim
            return True
        if swapped:
            return True
        raw, cas = node.confirmed(lambda c: c.gets(name))
        if cas is None:
            return True
        current = entries(raw)
    return False


def listed_pages(listings):
    """The page keys named in the listings read (read())."""
    return {page_of(listed) for found, _ in listings.values() for listed in found}


def delete_listed(node, listings):
    """Delete what the listings reach: a page and its validity mark; its grace copy too from a grace list."""
    items = set()
    for name, (found, _) in listings.items():
        reach = grace.all_items if name.startswith(GRACE_TAG_PREFIX) else grace.page_items
        items.update(item for listed in found for item in reach(page_of(listed)))
    if items:
        node.confirmed(lambda c: c.delete_many(sorted(items), noreply=False))
    return listed_pages(listings)


def trim_read(node, listings):
    for name, (found, cas) in listings.items():
        trim(node, name, found, cas)


def forget_listed(node, tags, withdrawn=()):
    """Delete every page listed under tags on node (with its grace copy under withdrawn), then
    remove the entries read; the pages deleted."""
    listings = read(node, names(tags, withdrawn))
    pages = delete_listed(node, listings)
    trim_read(node, listings)
    return pages


def pages_tagged(node, tag, prefix=TAG_PREFIX):
    """The page keys listed under tag on node (for tests and operators)."""
    return [page_of(listed) for listed in entries(node.get(prefix + tag))]


def _swap(client, name, value, cas):
    return client.cas(name, value, cas, expire=list_ttl(), noreply=False)
