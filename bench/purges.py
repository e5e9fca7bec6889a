"""Purges under the admin's "publish selected": every stored page still listed, and how long a purge takes.

Three posts are unpublished, then published again, as the admin's action does it (each post
saved on its own), ACTIONS times in all, while READERS readers read the front page and the
posts on two hosts as fast as they can. After each action the readers pause, the purges are
awaited, and every page memcached holds is checked: it must be listed under each tag it was
stored with, or no later edit could purge it. Also: from a commit to its purge applied.

Run alone: `python -m bench purges`. The check runs in a process on the stack's database
(`python -m bench.purges PORT`), with the site's own modules.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from stack.local import LocalStack

ACTIONS = 500
READERS = 6
READ_BETWEEN = 0.03
ROOT = Path(__file__).resolve().parent.parent


def run(database_url):
    with LocalStack(database_url) as stack:
        subprocess.run([sys.executable, str(ROOT / "sut" / "manage.py"), "migrate", "--noinput", "-v", "0"],
                       env=stack.app_env(), check=True)  # fmt: skip
        env = {**stack.app_env(), "PYTHONPATH": os.pathsep.join([str(ROOT / "sut"), str(ROOT)])}
        result = subprocess.run(
            [sys.executable, "-m", "bench.purges", str(stack.web_port)],
            env=env, cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"bench.purges failed:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])


# --- In the process on the stack's database ---


class Readers:
    """Readers at full speed, paused on demand (a check sees no render half-way)."""

    def __init__(self, port, uris):
        import threading

        self.port, self.uris = port, uris
        self.go, self.stop = threading.Event(), threading.Event()
        self.busy = threading.Semaphore(READERS)
        self.reads = 0
        self.threads = [threading.Thread(target=self.read, daemon=True) for _ in range(READERS)]
        self.go.set()
        for thread in self.threads:
            thread.start()

    def read(self):
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        while not self.stop.is_set():
            for uri, host in self.uris:
                self.go.wait()
                with self.busy:
                    connection.request("GET", uri, headers={"Host": host})
                    connection.getresponse().read()
                    self.reads += 1

    def pause(self):
        self.go.clear()
        for _ in range(READERS):
            self.busy.acquire()

    def resume(self):
        for _ in range(READERS):
            self.busy.release()
        self.go.set()


def unlisted(pages):
    """The stored pages among pages ({key: tags}) missing from one of their tag lists."""
    from pagecache import store, tags

    missing = []
    for key, page_tags in pages.items():
        node = store.node_for(key)
        if node.get(key) is None:
            continue
        missing += [f"{key} not under {tag}" for tag in page_tags if key not in tags.pages_tagged(node, tag)]
    return missing


def main(port):
    import django

    django.setup()
    from django.contrib.auth.models import User

    from blog.models import Post
    from pagecache import store
    from pagecache.keys import page_key
    from pagecache.models import PendingPurge

    author = User.objects.create(username="bench-editor", first_name="Bench")
    posts = [
        Post.objects.create(
            title=f"Listed {n}",
            slug=f"listed-{n}",
            body="words " * 50,
            author=author,
            status=Post.Status.PUBLISHED,
        )  # fmt: skip
        for n in range(3)
    ]
    hosts = ["localhost", "127.0.0.1"]
    # The tags each page is stored with: the index names its authors only when it shows posts.
    index = {page_key(host, "/"): ["post-list"] for host in hosts}
    shown = {page_key(host, post.get_absolute_url()): [f"post:{post.pk}"] for post in posts for host in hosts}
    byline = [f"author:{author.pk}"]
    uris = ["/", *(post.get_absolute_url() for post in posts)]
    readers = Readers(port, [(uri, host) for host in hosts for uri in uris])
    problems, lags, stored_seen = [], [], 0
    for action in range(ACTIONS):
        began = time.monotonic()
        for post in Post.objects.filter(pk__in=[p.pk for p in posts]):  # the admin's action, post by post
            post.unpublish() if action % 2 == 0 else post.publish()
        while PendingPurge.objects.exists():
            time.sleep(0.002)
        lags.append(time.monotonic() - began)
        time.sleep(READ_BETWEEN)  # the readers store the pages again, for the next action to purge
        readers.pause()
        published = action % 2 == 1
        pages = {key: tags + byline if published else tags for key, tags in {**index, **shown}.items()}
        found = unlisted(pages)
        stored_seen += sum(1 for key in pages if store.node_for(key).get(key) is not None)
        readers.resume()
        problems += [f"action {action + 1}: {problem}" for problem in found]
    readers.stop.set()
    lags.sort()
    print(json.dumps({
        "actions": ACTIONS, "reads": readers.reads, "stored pages checked": stored_seen,
        "pages unlisted": len(problems), "first unlisted": problems[:3],
        "action to purges applied p50 ms": round(lags[len(lags) // 2] * 1000, 1),
        "p99 ms": round(lags[int(len(lags) * 0.99)] * 1000, 1), "max ms": round(lags[-1] * 1000, 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]))
