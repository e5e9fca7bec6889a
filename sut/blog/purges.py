"""What a change of the blog's content purges: the triggers of its migrations (pagecache.triggers).

A post's page is tagged post:<id>, the index post-list, and every page with a byline
author:<id> (blog.views). Only the columns pages show purge; the search text, written by the
clustered migration, does not.
"""

from pagecache.triggers import PurgeOn

POST_TAGS = "'post:' || ROW.id || ' post-list'"
SHOWN = ("title", "slug", "body", "author_id", "status", "published_at", "reading_minutes")
# A post published for a time still to come appears on the index then: a change at that time.
SCHEDULED = ("ROW.published_at", "ROW.status = 'published'")

RULES = [
    PurgeOn("blog_post", "INSERT", POST_TAGS, scheduled=SCHEDULED),
    PurgeOn("blog_post", "UPDATE", POST_TAGS, columns=SHOWN, scheduled=SCHEDULED),
    PurgeOn("blog_post", "DELETE", POST_TAGS),
    # A byline shows the author's full name, or the username; a login (last_login) purges nothing.
    PurgeOn("auth_user", "UPDATE", "'author:' || ROW.id", columns=("first_name", "last_name", "username")),
]
