"""The step parameters' types, registered once: quoted text never runs past its closing quote.

A step writes `"{uri:Text}"`: the value is whatever stands between the quotes, so `a reader
visits "{uri:Text}"` cannot also match `a reader visits "/" on host "example.com"`, and
matching never depends on the order the step modules are loaded in. Every step module
imports this one.
"""

import parse
from behave import register_type


@parse.with_pattern(r'[^"]*')
def quoted_text(text):
    return text


register_type(Text=quoted_text)


@parse.with_pattern(r"memcached server \d|memcached|the app|the purger|the database")
def stack_part(text):
    return text


register_type(Part=stack_part)

LEVELS = {"memcached": "memcached", "nginx's first level": "l1"}


@parse.with_pattern(r"memcached|nginx's first level")
def cache_level(text):
    """A cache level as the feature names it, as X-Cache-Level says it."""
    return LEVELS[text]


register_type(Level=cache_level)

REGISTERED = ("Text", "Part", "Level")  # step modules import this name, so the types exist before their steps
