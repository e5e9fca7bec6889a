"""Lettuce's tag rules, as a behave tag expression.

Lettuce: `-t x` runs scenarios tagged x (their own tags or their feature's); several positive
tags are OR'd; `-t -x` excludes x; `-t ~x` is a fuzzy match. Here an exclusion always wins
(Lettuce's own runner lets `--tag=cache --tag=-slow` run `@cache @slow`, its bug #498).
A value that is already a behave expression (`cache and not slow`) is taken as it is; several
such values are AND'd with the rest.
"""

import difflib
import re

SIMPLE = re.compile(r"^[-~]?@?[\w.:-]+$")


class TagError(ValueError):
    """A --tag value that cannot be understood."""


def _fuzzy(word, known):
    """Lettuce's `~x`: the known tags that contain x or are spelled almost like it."""
    return sorted(t for t in known if word in t or difflib.SequenceMatcher(None, word, t).ratio() >= 0.8)


def to_expression(values, known_tags=()):
    """One behave tag expression for all --tag values, or None when there are none."""
    positives, negatives, expressions = [], [], []
    for raw in values:
        value = raw.strip()
        if not value:
            raise TagError("an empty --tag value")
        if not SIMPLE.match(value):
            expressions.append(f"({value})")
        elif value.startswith("-"):
            negatives.append(value[1:].lstrip("@"))
        elif value.startswith("~"):
            word = value[1:].lstrip("@")
            positives.extend(_fuzzy(word, known_tags) or [word])
        else:
            positives.append(value.lstrip("@"))
    parts = []
    if positives:
        parts.append("(" + " or ".join(dict.fromkeys(positives)) + ")")
    parts.extend(f"not {tag}" for tag in dict.fromkeys(negatives))
    parts.extend(expressions)
    return " and ".join(parts) or None


def named_tags(values):
    """The tag names the values mention, to say which of them match nothing."""
    names = []
    for value in values:
        words = (w.lstrip("-~@") for w in re.findall(r"[-~@]*[\w.:-]+", value))
        names.extend(w for w in words if w and w not in ("and", "or", "not"))
    return names
