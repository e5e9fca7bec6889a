"""What this suite gives harvest's -j and --retry (named in pyproject.toml's [tool.harvest]).

workers: the test database migrated once and cloned for each of several workers on the local
stack (compose's database lives in its stack, and a lone worker, such as a queue-mode worker,
makes its own as a single run does). evidence: where a failed attempt's evidence is.
"""

import contextlib

import terrain  # noqa: F401  (the site and the suite's support on the path)
from support import evidence as kept
from support.database import clones
from support.options import Options


@contextlib.contextmanager
def workers(count, userdata):
    if count == 1 or Options.from_userdata(userdata).stack != "local":
        yield [{} for _ in range(count)]  # the worker makes its database as a single run does
        return
    with clones(count) as urls:
        yield [{"database": url} for url in urls]


def evidence(context, scenario):
    return kept.folder_for(context, scenario, context.options.reports)
