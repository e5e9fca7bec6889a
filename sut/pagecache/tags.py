"""Tags say which content a page shows, so that a change purges exactly the pages that show it.

A tag's list lives on each memcached of a pool that holds a page showing it, and names the
pages stored on that node only. Every store of a page appends an entry of its own (the page's
key and the render's token), after the page is stored. A list is never deleted whole: a purge
removes exactly the entries it read (compare-and-swap), so an entry a render appended after
that read stays, and the page it names stays reachable by the next purge. An entry is removed
only by a purge that read it, which deletes its page after the read, and so after the store
the entry stands for.

A list has any length: it is kept in chunks of CHUNK entries (items `<list>#0`, `<list>#1` ...),
and its counter (the item `<list>`) hands out each entry's place, one after another; a purge
reads the counter, then every chunk up to the last place handed out. An entry is appended to its
own chunk, so a chunk stops growing at CHUNK entries (about 460 kB), far below memcached's item
limit: no list is ever refused for its length. Each chunk outlives the pages it names (its
lifetime renewed at each append to the longest a page's items live), and the counter outlives
its chunks (renewed a minute longer with each place). memcached full: the entry is refused, and
the render deletes its own page (pagecache.renders); no other page is touched.

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
# The counter outlives every chunk it counts (a chunk's lifetime is renewed after its place is).
COUNTER_MARGIN = 60
READ_BATCH = 100  # chunks read at once
# Items deleted at once: commands and answers of a batch fit the sockets' buffers (a batch of
# millions would fill both, each side waiting for the other to read).
DELETE_BATCH = 1000


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
    """List the page stored under key on node under each tag; False when a list refused it."""
    listed = entry(key, token) + b" "
    for tag in tags:
        place = node.count(TAG_PREFIX + tag, list_ttl() + COUNTER_MARGIN)
        if place is None or not node.append(chunk(tag, place // chunk_entries()), listed, list_ttl()):
            return False
    return True


def chunk_entries():
    return settings.PAGECACHE_TAG_CHUNK


def chunk(tag, number):
    return f"{TAG_PREFIX}{tag}#{number}"


def tag_of(name):
    """The tag a chunk's name belongs to."""
    return _position(name)[0]


def _position(name):
    """(tag, chunk number) of a chunk's name: chunks in their order."""
    tag, number = name[len(TAG_PREFIX) :].rsplit("#", 1)
    return tag, int(number)


def _batches(items, size):
    return (items[start : start + size] for start in range(0, len(items), size))


def chunks(tag, counter):
    """The names of a tag's chunks, from its counter's value (the last place handed out)."""
    if counter is None:
        return []
    return [chunk(tag, number) for number in range(int(counter) // chunk_entries() + 1)]


def read(node, page_tags):
    """{chunk: (entries, cas token)} of the tags' chunks on node that exist; Unavailable when it
    does not answer."""
    counters = node.confirmed(lambda c: c.get_many([TAG_PREFIX + tag for tag in page_tags]))
    names = [name for tag in page_tags for name in chunks(tag, counters.get(TAG_PREFIX + tag))]
    found = {}
    for batch in _batches(names, READ_BATCH):
        found.update(node.confirmed(lambda c, b=batch: c.gets_many(b)))
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
    return tag_of(name) in withdrawn


def delete_listed(node, listings, withdrawn=()):
    """Delete what the listings reach: each page and its validity mark, and its grace copy under
    a withdrawn tag; the pages."""
    items = set()
    for name, (found, _) in listings.items():
        reach = grace.all_items if _withdrawn(name, withdrawn) else grace.page_items
        items.update(item for listed in found for item in reach(page_of(listed)))
    for batch in _batches(sorted(items), DELETE_BATCH):
        node.confirmed(lambda c, b=batch: c.delete_many(b, noreply=False))
    return listed_pages(listings)


def trim_read(node, listings, withdrawn=()):
    """Remove the entries read: all of them under a withdrawn tag (or without grace), else all but
    the last read of each page in each tag's chunks (its grace copy stays within a withdrawal's
    reach)."""
    kept = _last_of_each_page(listings)
    for name, (found, cas) in listings.items():
        every = _withdrawn(name, withdrawn) or not grace.enabled()
        trim(node, name, found, cas, found if every else [listed for listed in found if listed not in kept])


def _last_of_each_page(listings):
    """The last entry read of each page, for each tag, over its chunks in order."""
    last = {}
    for name in sorted(listings, key=_position):
        for listed in listings[name][0]:
            last[(tag_of(name), page_of(listed))] = listed
    return set(last.values())


def pages_tagged(node, tag):
    """The page keys listed under tag on node, in their chunks' order (for tests and operators)."""
    listings = read(node, [tag])
    return [page_of(listed) for name in sorted(listings, key=_position) for listed in listings[name][0]]


def _swap(client, name, value, cas):
    return client.cas(name, value, cas, expire=list_ttl(), noreply=False)
