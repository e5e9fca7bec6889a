"""Fields derived from a post's body: its word count and reading time."""

import math

WORDS_PER_MINUTE = 200
DERIVED_FIELDS = frozenset({"word_count", "reading_minutes"})


def word_count(body):
    return len(body.split())


def reading_minutes(words):
    """Whole minutes at 200 words a minute; any text takes at least one."""
    return max(1, math.ceil(words / WORDS_PER_MINUTE)) if words else 0


def derive(body):
    words = word_count(body)
    return {"word_count": words, "reading_minutes": reading_minutes(words)}
