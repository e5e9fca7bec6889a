"""harvest's errors of use: each is said in one line on stderr, with exit status 2."""

USAGE_ERROR = 2


class UsageError(Exception):
    """Bad input: an unknown option, a missing path, a selection that matches nothing."""
