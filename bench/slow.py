"""A slow or hung app: renders per crowd, the slowest reader, another page meanwhile, memcached's load.

Crowds of 30 and 100 readers at once on a page that takes 0.5 s, 1.5 s, and longer than the
app's time limit (PAGECACHE_APP_TIMEOUT, 5 s) to render, memcached emptied before each; 0.3 s
into each crowd, another reader asks for a page that is never stored (rendered every time).
Then the app frozen (SIGSTOP of gunicorn and its workers): 10 readers of a page not stored.
Run alone: `python -m bench slow`.
"""

import threading
import time

from pymemcache.client.base import Client

from bench.crowds import _reader
from bench.http import create_page
from stack.burst import at_once
from stack.local import LocalStack
from stack.ports import LOOPBACK

CROWDS = ((30, 500), (30, 1500), (100, 500), (100, 1500), (30, 7000))


def _gets(stack):
    return int(Client((LOOPBACK, stack.memcached_port)).stats()[b"cmd_get"])


def _crowd(stack, readers, milliseconds):
    Client((LOOPBACK, stack.memcached_port)).flush_all()
    stack.clear_l1()
    other = {}

    def meanwhile():
        time.sleep(0.3)
        other["answer"] = _reader(stack.web_port, f"/?utm_source=bench{time.monotonic_ns()}")()

    gets = _gets(stack)
    thread = threading.Thread(target=meanwhile)
    thread.start()
    answers = at_once(readers, _reader(stack.web_port, f"/specimens/slow/{milliseconds}/"))
    thread.join()
    statuses = sorted({status for status, _, _ in answers})
    return {
        "readers": readers,
        "render ms": milliseconds,
        "renders": sum(1 for _, cache, _ in answers if cache == "MISS"),
        "statuses": "/".join(map(str, statuses)),
        "slowest reader ms": round(max(elapsed for _, _, elapsed in answers) * 1000),
        "another page meanwhile ms": round(other["answer"][2] * 1000),
        "memcached gets": _gets(stack) - gets,
    }


def _hung(stack):
    stack.freeze("gunicorn")
    try:
        answers = at_once(10, _reader(stack.web_port, "/login/"))
    finally:
        stack.thaw("gunicorn")
    return {
        "statuses": "/".join(map(str, sorted({status for status, _, _ in answers}))),
        "slowest answer ms": round(max(elapsed for _, _, elapsed in answers) * 1000),
    }


def run(database_url):
    with LocalStack(database_url) as stack:
        create_page(stack)
        crowds = [_crowd(stack, readers, milliseconds) for readers, milliseconds in CROWDS]
        return {"crowds": crowds, "app frozen, 10 readers": _hung(stack)}
