"""The search text of a post (what a site search looks in): the work of the `rebuild_search` migration."""

import re
import unicodedata

SEARCH_VERSION = 2
WORD = re.compile(r"\w+")


class CannotIndex(ValueError):
    """A post the rules cannot index; the message says which and why."""


def search_text(title, body):
    """Lowercased words of the title and body, accents folded, each word once, in order."""
    if not title.strip():
        raise CannotIndex("a post without a title cannot be indexed")
    folded = unicodedata.normalize("NFKD", f"{title} {body}").encode("ascii", "ignore").decode().lower()
    return " ".join(dict.fromkeys(WORD.findall(folded)))
