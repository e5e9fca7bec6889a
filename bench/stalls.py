"""A memcached that stalls while a page is rendered: no page outlives the next edit by more than 2 s.

Each of CYCLES cycles: a reader asks for a post's page, missing from memcached; its render is
held right after it read the post (the suite's pause point, stack/pause_point.py) and let go, and
memcached is frozen (SIGSTOP) for STALL seconds from a moment after that, so that a store or
another command of the render times out in the app and is still applied when memcached wakes.
The moments sweep the rest of the render evenly, from the moment it goes on to half as long again
as it takes (timed before the cycles). Then an editor gives the post a new title, and readers read
the post and the front page through nginx for WATCH seconds. A cycle fails when a read begun more
than BOUND seconds after the save shows an older title. The figure: the cycles that failed, and
the latest an old title was seen after a save.
"""

import contextlib
import http.client
import re
import statistics
import subprocess
import threading
import time

from bench.http import PAGE, create_page
from stack import pause_point
from stack.local import LocalStack
from stack.manage import argv as manage_argv
from stack.ports import LOOPBACK

CYCLES = 30
STALL = 0.3
MISSES = 5  # renders timed before the cycles, from the moment they go on
WATCH = 4.0
BOUND = 2.0
PAGES = (PAGE, "/")
VERSION = re.compile(rb"Edited v(\d+)")

EDITOR = """
import sys, time
from blog.models import Post
post = Post.objects.get(slug="benchmark")
print("post", post.pk, flush=True)
for line in sys.stdin:
    post.title = line.strip()
    post.save()
    print("saved", time.time(), flush=True)
"""


def _read(port, uri):
    """(when the read began, the version it shows: 0 before the first edit)."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    try:
        began = time.time()
        connection.request("GET", uri, headers={"Host": "localhost"})
        match = VERSION.search(connection.getresponse().read())
        return began, int(match[1]) if match else 0
    finally:
        connection.close()


def _render(stack, post, delay=None):
    """The post's page asked for, its render held once it read the post, then let go (memcached
    frozen delay seconds later, for STALL seconds); the seconds from letting it go to its answer.
    None: no render, the page was served as stored (a copy older than the last edit)."""
    stack.arm_pause(post)
    reader = threading.Thread(target=_read, args=(stack.web_port, PAGE))
    reader.start()
    worker = None
    while worker is None and reader.is_alive():
        with contextlib.suppress(TimeoutError):
            worker = pause_point.paused_worker(stack.pause_dir, timeout=0.5)
    if worker is None:
        pause_point.release_all(stack.pause_dir)
        return None
    began = time.monotonic()
    stack.resume(worker)
    if delay is not None:
        time.sleep(delay)
        stack.freeze("memcached")
        time.sleep(STALL)
        stack.thaw("memcached")
    reader.join(60)
    return time.monotonic() - began


def _watch(stack, version, saved_at):
    """Seconds after the save of the latest read that showed an older version (0: none)."""
    latest, end = 0.0, saved_at + WATCH
    while time.time() < end:
        for uri in PAGES:
            began, shown = _read(stack.web_port, uri)
            if shown < version:
                latest = max(latest, began - saved_at)
    return latest


def _saved(editor):
    """When the editor's save returned (the shell may print other lines first)."""
    for line in editor.stdout:
        if line.startswith("saved "):
            return float(line.split()[1])
    raise RuntimeError(f"the editor's shell ended (exit status {editor.wait()})")


class Editor:
    """A Django shell that saves the post under each title it is given."""

    def __init__(self, stack):
        self.shell = subprocess.Popen(
            manage_argv("shell", "-c", EDITOR),
            env=stack.app_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def save(self, version):
        """When the save of that version returned."""
        self.shell.stdin.write(f"Edited v{version}\n")
        self.shell.stdin.flush()
        return float(self.said("saved"))

    def said(self, word):
        """What the shell printed after word (it may print other lines first)."""
        for line in self.shell.stdout:
            if line.startswith(word + " "):
                return line.split()[1]
        raise RuntimeError(f"the editor's shell ended (exit status {self.shell.wait()})")

    def close(self):
        self.shell.stdin.close()
        self.shell.wait(30)


def _cycles(stack, editor):
    """(how long the rest of a render takes, when an old title was last seen after each save)."""
    post, versions = editor.said("post"), iter(range(1, 1000))

    def missing():
        """The page purged by an edit: the next reader renders it; when the edit was saved."""
        saved_at = editor.save(next(versions))
        time.sleep(BOUND)
        return saved_at

    renders = []
    for _ in range(MISSES):
        missing()
        renders.append(_render(stack, post))
    render, late = statistics.median(renders), []
    for cycle in range(CYCLES):
        saved_at = missing()
        if _render(stack, post, delay=1.5 * render * cycle / CYCLES) is None:
            late.append(time.time() - saved_at)  # the last cycle's page outlived this edit
        else:
            version = next(versions)
            late.append(_watch(stack, version, editor.save(version)))
        print(f"bench: stalls: cycle {cycle + 1}/{CYCLES}: old title seen {late[-1]:.2f} s after the save")
    return render, late


def run(database_url):
    with LocalStack(database_url, pause_point=True) as stack:
        create_page(stack)
        editor = Editor(stack)
        try:
            render, late = _cycles(stack, editor)
        finally:
            editor.close()
    return {
        "cycles": CYCLES,
        "stall s": STALL,
        "render s": round(render, 4),
        "cycles with an old title served over 2 s after the save": sum(seconds > BOUND for seconds in late),
        "latest an old title was served, s after the save": round(max(late), 3),
    }
