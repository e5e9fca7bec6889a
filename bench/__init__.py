"""Benchmarks that print ratios measured in one run, on this machine (`make bench`)."""

import stack  # noqa: F401, E402  (puts the site on sys.path: bench imports its modules too)
