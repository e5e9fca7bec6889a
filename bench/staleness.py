"""How stale a page gets while an editor saves and readers read at full speed.

An editor (a Django shell on the stack's database) gives a post a new title every EDIT_EVERY
seconds for DURATION seconds and prints when each save returned (its purge done). Readers read
the post and the front page as fast as they can. A read that began after version N was saved
but shows an older version was stale by the time since N was saved; the worst of those is the
figure (the promise: at most 2 s, nginx's first level holding a page for 1 s of it).

Then what this costs a miss: storing a rendered page as the site did before leases (the page,
its tag list) and as it does now (the generation and the lease, the tag list, the page, the
check, the release), each beside the render it follows.
"""

import hashlib
import http.client
import re
import statistics
import subprocess
import threading
import time

from django.conf import settings
from django.test import override_settings

from bench.http import PAGE, SITE_SETTINGS, create_page
from stack.local import LocalStack
from stack.manage import argv as manage_argv
from stack.ports import LOOPBACK

DURATION = 60.0
EDIT_EVERY = 0.3
READERS = 4
MISSES = 300
VERSION = re.compile(rb"Edited v(\d+)")

EDITOR = """
import sys, time
from blog.models import Post
post = Post.objects.get(slug="benchmark")
end, version = time.time() + {duration}, 0
while time.time() < end:
    version += 1
    post.title = f"Edited v{{version}}"
    post.save()
    print("saved", version, time.time(), flush=True)
    time.sleep({every})
"""


def _reader(port, uris, stop, seen):
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
    while not stop.is_set():
        for uri in uris:
            began = time.time()
            connection.request("GET", uri, headers={"Host": "localhost"})
            body = connection.getresponse().read()
            match = VERSION.search(body)
            seen.append((began, int(match[1]) if match else 0))


def _worst_staleness(saves, seen):
    """The longest a read showed a version older than one already saved when it began."""
    worst, stale = 0.0, 0
    saved_at = sorted(saves.items())
    for began, version in seen:
        newer = [at for v, at in saved_at if v > version and at < began]
        if newer:
            stale += 1
            worst = max(worst, began - min(newer))
    return worst, stale


def _staleness(stack):
    script = EDITOR.format(duration=DURATION, every=EDIT_EVERY)
    editor = subprocess.Popen(
        manage_argv("shell", "-c", script), env=stack.app_env(), stdout=subprocess.PIPE, text=True
    )
    stop, seen = threading.Event(), []
    readers = [
        threading.Thread(target=_reader, args=(stack.web_port, [PAGE, "/"], stop, seen), daemon=True)
        for _ in range(READERS)
    ]
    for reader in readers:
        reader.start()
    out, _ = editor.communicate(timeout=DURATION + 60)
    stop.set()
    for reader in readers:
        reader.join(15)
    lines = [line.split() for line in out.splitlines() if line.startswith("saved ")]
    saves = {int(version): float(at) for _, version, at in lines}
    worst, stale = _worst_staleness(saves, seen)
    return {
        "seconds": DURATION,
        "saves": len(saves),
        "reads": len(seen),
        "reads older than a save before them": stale,
        "worst staleness s": round(worst, 3),
    }


def _render_alone(stack):
    """Median ms of the benchmark page rendered by the app and not stored (credentials)."""
    connection = http.client.HTTPConnection(LOOPBACK, stack.app_port, timeout=10)
    timings = []
    for _ in range(MISSES):
        began = time.perf_counter()
        connection.request("GET", PAGE, headers={"Host": "localhost", "Authorization": "Basic eDp4"})
        connection.getresponse().read()
        timings.append(time.perf_counter() - began)
    connection.close()
    return statistics.median(timings) * 1000


def _bookkeeping(stack):
    """Median ms of what storing a rendered page costs in memcached: before leases, and now."""
    if not settings.configured:
        settings.configure(**SITE_SETTINGS)
    from pagecache import renders, store, tags

    body, ttl = b"x" * 20000, 300
    key = hashlib.md5(f"localhost{PAGE}".encode()).hexdigest()

    def before():  # the page, then its tag list
        node = store.node_for(key)
        node.guarded(lambda c: c.set(key, body, expire=ttl, noreply=False), False)
        tags.remember(node, key, "0", ["post:1"])

    def now():  # the generation and the lease, the tag list, the page, the check, the release
        render = renders.Render(key)
        render.store(body, ["post:1"], ttl)
        render.release()

    timings = {"before": [], "now": []}
    with override_settings(PAGECACHE_MEMCACHED=stack.memcached):
        for _ in range(MISSES):
            for name, job in (("before", before), ("now", now)):
                store.node_for(key).delete(key)
                began = time.perf_counter()
                job()
                timings[name].append(time.perf_counter() - began)
    return {name: statistics.median(values) * 1000 for name, values in timings.items()}


def _miss_path(stack):
    render, stores = _render_alone(stack), _bookkeeping(stack)
    return {
        "render ms": round(render, 2),
        "storing before leases ms": round(stores["before"], 3),
        "storing now ms": round(stores["now"], 3),
        "miss path now / before": round((render + stores["now"]) / (render + stores["before"]), 3),
    }


def run(database_url):
    with LocalStack(database_url) as stack:
        create_page(stack)
        return {"staleness": _staleness(stack), "miss path": _miss_path(stack)}
