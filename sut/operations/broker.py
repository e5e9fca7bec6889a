"""Where the Celery broker is, and whether it answers: for the runner's workers, the suite, the
tests and the bench alike (no Django, no Celery imported)."""

import os
import socket
from urllib.parse import urlsplit

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")


def unreachable(url=BROKER_URL):
    """Why no broker answers at url, or None when one does."""
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=1).close()
    except OSError as error:
        return f"no Celery broker answers at {url} ({error})"
    return None
