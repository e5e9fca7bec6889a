"""What a change of the blog's content purges: the triggers of its migrations (pagecache.triggers).

A post's page is tagged post:<id>, the index post-list, and every page with a byline
author:<id> (blog.views). Only the columns pages show purge; the search text, written by the
clustered migration, does not. Unpublishing a post, clearing its publication time, moving it to
a time still to come or deleting it withdraws it: its pages lose their grace copies too. A
post whose address changes (its slug) withdraws its own page, post:<id>, at the old address on
every host; the index only shows the new link (an edit).
"""

from pagecache.triggers import PurgeOn

POST_TAGS = "'post:' || ROW.id || ' post-list'"
SHOWN = ("title", "slug", "body", "author_id", "status", "published_at", "reading_minutes")
# A post published for a time still to come appears on the index then: a change at that time.
SCHEDULED = ("ROW.published_at", "ROW.status = 'published'")

# A post readers could see and can no longer: its pages and the index lose their grace copies
# (pagecache.grace), never served again, not even while the app is down.
# TRUE or FALSE for every row, NULLs included (SQL's three-valued logic): a publication time
# cleared takes the post off the site (published() needs one), so it is a withdrawal.
WITHDRAWN = (
    "OLD.status = 'published' AND "
    "(NEW.status <> 'published' OR NEW.published_at IS NULL OR FUTURE(NEW.published_at))"
)
# The columns a post's address is made of (blog.urls): a change leaves the old address empty.
ADDRESS = ("slug",)
MOVED = (" OR ".join(f"OLD.{column} <> NEW.{column}" for column in ADDRESS), "'post:' || OLD.id")

# What an UPDATE of a post purges, and when it withdraws (its columns, its time, its address).
EDITED = {"columns": SHOWN, "scheduled": SCHEDULED, "withdraws": WITHDRAWN, "moves": (MOVED,)}

RULES = [
    PurgeOn("blog_post", "INSERT", POST_TAGS, scheduled=SCHEDULED),
    PurgeOn("blog_post", "UPDATE", POST_TAGS, **EDITED),
    PurgeOn("blog_post", "DELETE", POST_TAGS, withdraws="TRUE"),
    # A byline shows the author's full name, or the username; a login (last_login) purges nothing.
    PurgeOn("auth_user", "UPDATE", "'author:' || ROW.id", columns=("first_name", "last_name", "username")),
]
