"""Tags say which content a page shows, so that a change purges exactly the pages that show it.

A tag's list lives on each memcached of a pool that holds a page showing it, and names the
pages stored on that node only. Every store of a page appends an entry of its own (the page's
key and the render's token), after the page is stored. A list is never deleted whole: a purge
removes exactly the entries it read (compare-and-swap), so an entry a render appended after
that read stays, and the page it names stays reachable by the next purge. An entry is removed
only by a purge that read it, which deletes its page after the read, and so after the store
the entry stands for.

A page's grace copy (pagecache.grace) is reached through the same entries. An edit deletes the
pages and their validity marks, and keeps one entry per page (the last it read; older entries
of the same page are removed): a later withdrawal still reaches the grace copy. A withdrawal
deletes the grace copies too, and removes every entry it read. So an entry is removed only by
a purge that deleted what it reaches, or while another entry of the same page stays.
"""

import hashlib

from django.conf import settings

from pagecache import grace

TAG_PREFIX = "pagecache:tag:"
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


def remember(node, key, token, tags):
    """List the page stored under key on node under each tag; False when a list refused it.

    A list that cannot grow (memcached's item limit, or memcached full) keeps one entry per
    page (compact()); if that is not enough, it is purged of the pages it names, which are then
    rendered afresh and listed again.
    """
    from pagecache.store import Unavailable

    listed = entry(key, token) + b" "
    for tag in tags:
        name = TAG_PREFIX + tag
        if node.append(name, listed, list_ttl()):
            continue
        try:
            if compact(node, name) and node.append(name, listed, list_ttl()):
                continue
            forget_listed(node, [tag], withdrawn=[tag])  # grace copies too: no entry is left
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


def names(tags):
    return [TAG_PREFIX + tag for tag in tags]


def read(node, lists):
    """{list: (entries, cas token)} of the lists on node that exist; Unavailable when it does not answer."""
    found = node.confirmed(lambda c: c.gets_many(list(lists)))
    return {name: (entries(value), cas) for name, (value, cas) in found.items()}


def trim(node, name, found, cas, forget):
    """Remove exactly the entries forget from a list read as found (with that cas token); every
    other entry read, and every entry appended since, stays."""
    forget = set(forget)
    current = found  # the list as read: the swap writes it less what is forgotten, nothing more
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


def _withdrawn(name, withdrawn):
    return name[len(TAG_PREFIX) :] in withdrawn


def delete_listed(node, listings, withdrawn=()):
    """Delete what the listings reach: each page and its validity mark, and its grace copy under
    a withdrawn tag; the pages."""
    items = set()
    for name, (found, _) in listings.items():
        reach = grace.all_items if _withdrawn(name, withdrawn) else grace.page_items
        items.update(item for listed in found for item in reach(page_of(listed)))
    if items:
        node.confirmed(lambda c: c.delete_many(sorted(items), noreply=False))
    return listed_pages(listings)


def trim_read(node, listings, withdrawn=()):
    """Remove the entries read: all of them under a withdrawn tag (or without grace), else all but
    the last read of each page (its grace copy stays within a withdrawal's reach)."""
    for name, (found, cas) in listings.items():
        every = _withdrawn(name, withdrawn) or not grace.enabled()
        trim(node, name, found, cas, found if every else _older(found))


def _older(found):
    """The entries read that another entry of the same page, read later, stands in for."""
    last = {page_of(listed): listed for listed in found}
    kept = set(last.values())
    return [listed for listed in found if listed not in kept]


def forget_listed(node, tags, withdrawn=()):
    """Delete every page listed under tags on node (with its grace copy under withdrawn), then
    remove the entries read; the pages deleted."""
    listings = read(node, names(tags))
    pages = delete_listed(node, listings, withdrawn)
    trim_read(node, listings, withdrawn)
    return pages


def pages_tagged(node, tag):
    """The page keys listed under tag on node (for tests and operators)."""
    return [page_of(listed) for listed in entries(node.get(TAG_PREFIX + tag))]


def _swap(client, name, value, cas):
    return client.cas(name, value, cas, expire=list_ttl(), noreply=False)
