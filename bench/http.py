"""The cache-hit benchmark: one 20 kB page served five ways, measured with wrk in one run.

- static: nginx serving the page's bytes as a file (the limit);
- hit: this project's hit path (nginx's first level in front of memcached);
- hit without L1: the classic design, every hit a memcached round trip (for comparison);
- varnish: Varnish caching the same page from the app (the peer);
- render: Django rendering it through gunicorn (the miss path; credentials, so never stored).
"""

import http.client
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from stack import binaries, health
from stack.local import LocalStack
from stack.manage import check as manage
from stack.ports import LOOPBACK, free_port
from stack.processes import Child, wait_until

PAGE = "/blog/benchmark/"
PAGE_BYTES = 20 * 1024
WRK = ["-t1", "-c16", "-d5s", "--latency"]
ROUNDS = 3

# The baseline is nginx's plainest job, not the site: a minimal config of its own.
STATIC_CONF = """
worker_processes {workers};
pid {run}/static.pid;
error_log {run}/static-error.log warn;
events {{ worker_connections 4096; multi_accept on; }}
http {{
    access_log off;
    sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_requests 100000;
    server {{ listen {LOOPBACK}:{port}; root {run}/static; default_type text/html; }}
}}
"""


def get(url, host=None):
    parts = re.match(r"http://([^:/]+):(\d+)(.*)", url)
    connection = http.client.HTTPConnection(parts[1], int(parts[2]), timeout=30)
    connection.request("GET", parts[3] or "/", headers={"Host": host or f"{parts[1]}:{parts[2]}"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


# A request with credentials is rendered and never stored: the render path, not the app's stored copy.
RENDER_HEADERS = ["-H", "Authorization: Basic eDp4"]


def wrk(url, extra=(), servers=(), misses_allowed=False):
    """req/s, p50, p99 and max latency (ms) from one wrk run; with servers (pids), the CPU
    seconds their processes and their children spent, per request (µs)."""
    argv = [shutil.which("wrk"), *WRK, *extra, url]
    before = cpu_seconds(servers)
    out = subprocess.run(argv, capture_output=True, text=True).stdout
    spent = cpu_seconds(servers) - before
    requests = int(re.search(r"(\d+) requests in", out)[1])
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    latency = {p: _ms(re.search(rf"^\s+{p}%\s+([\d.]+\w+)", out, re.M)[1]) for p in ("50", "99")}
    slowest = _ms(re.search(r"^\s+Latency\s+\S+\s+\S+\s+([\d.]+\w+)", out, re.M)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors and not misses_allowed:
        raise RuntimeError(f"{url}: {errors[1]} error responses during the run:\n{out}")
    measured = {"rps": rate, "p50_ms": latency["50"], "p99_ms": latency["99"], "max_ms": slowest}
    if misses_allowed:
        measured["errors"] = int(errors[1]) if errors else 0
    return measured | ({"cpu_us": spent / requests * 1e6} if servers else {})


def cpu_seconds(pids):
    """User and system CPU seconds of the processes and all their descendants, from /proc."""
    total, seen, todo = 0.0, set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            tasks = Path(f"/proc/{pid}/task").iterdir()
            todo += [int(child) for task in tasks for child in (task / "children").read_text().split()]
        except OSError:  # gone meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _median(rows):
    return {key: sorted(row[key] for row in rows)[len(rows) // 2] for key in rows[0]}


def _ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


# The page cache's settings for a bench that calls the site's code in its own process.
SITE_SETTINGS = {
    "PAGECACHE_TIMEOUT": 1.0, "PAGECACHE_TTL": 300, "PAGECACHE_APP_TIMEOUT": 5.0, "PAGECACHE_GRACE": 0,
    "PAGECACHE_TAG_CHUNK": 10_000,
}  # fmt: skip


def create_page(stack):
    """A published post whose page is about PAGE_BYTES, in the stack's database."""
    words = PAGE_BYTES // 6
    script = (
        "from django.contrib.auth.models import User; from blog.models import Post;"
        "u = User.objects.create(username='bench');"
        f"Post.objects.create(title='Benchmark', slug='benchmark', body=('lorem ipsum ' * {words // 2}),"
        " author=u, status='published')"
    )
    manage(stack.app_env(), "migrate", "--noinput")
    manage(stack.app_env(), "shell", "-c", script)


def published_posts(stack, prefix, count, body="x"):
    """count published posts at /blog/<prefix>-<n>/, by create_page's author; their URIs."""
    script = (
        "from django.contrib.auth.models import User; from django.utils import timezone;"
        "from blog.models import Post; u = User.objects.get(username='bench');"
        f"Post.objects.bulk_create([Post(title=f'{prefix} {{n}}', slug=f'{prefix}-{{n}}', body={body!r},"
        f" author=u, status='published', published_at=timezone.now()) for n in range({count})])"
    )
    manage(stack.app_env(), "shell", "-c", script)
    return [f"/blog/{prefix}-{n}/" for n in range(count)]


def static_server(run, body, workers):
    (run / "static" / PAGE.strip("/")).mkdir(parents=True)
    (run / "static" / PAGE.strip("/") / "index.html").write_bytes(body)
    port = free_port()
    conf = run / "static.conf"
    text = STATIC_CONF.format(workers=workers, run=run, port=port, LOOPBACK=LOOPBACK)
    conf.write_text(text)
    directives = "daemon off; user root;" if os.geteuid() == 0 else "daemon off;"
    argv = [binaries.find("nginx"), "-p", run, "-c", conf, "-e", run / "static-error.log", "-g", directives]
    child = Child("static", argv, run / "static.log").start()
    wait_until(lambda: health.http_ok(LOOPBACK, port, PAGE), 10, what="the static nginx")
    return child, f"http://{LOOPBACK}:{port}{PAGE}"


def varnish(run, app_port, memory="64m"):
    port = free_port()
    argv = [binaries.find("varnishd"), "-F", "-j", "none", "-n", run / "varnish", "-a", f"{LOOPBACK}:{port}",
            "-b", f"{LOOPBACK}:{app_port}", "-s", f"malloc,{memory}", "-p", "thread_pools=1"]  # fmt: skip
    child = Child("varnish", argv, run / "varnish.log").start()
    wait_until(lambda: health.http_ok(LOOPBACK, port, "/health/"), 20, what="varnish")
    return child, f"http://{LOOPBACK}:{port}{PAGE}"


def run(workers=1):
    """Measure the five paths; returns the results dict."""
    results = {"page_bytes": None, "wrk": f"{' '.join(WRK)}, median of {ROUNDS}", "nginx_workers": workers}
    run_dir = Path(tempfile.mkdtemp(prefix="bench-"))
    db = f"sqlite:///{run_dir / 'bench.sqlite3'}"
    children = []
    try:
        with LocalStack(db, nginx_options={"worker_processes": workers}) as stack:
            create_page(stack)
            response, body = get(stack.base_url + PAGE)
            assert response.status == 200, f"the benchmark page answers {response.status}"
            results["page_bytes"] = len(body)
            for _ in range(2):
                response, _ = get(stack.base_url + PAGE)
            assert response.getheader("X-Cache") == "HIT", "the benchmark page is not served from the cache"
            static, static_url = static_server(run_dir, body, workers)
            children.append(static)
            cache, varnish_url = varnish(run_dir, stack.app_port)
            children.append(cache)
            for _ in range(2):
                get(varnish_url, host="localhost")
            hit_url = stack.base_url + PAGE
            render_url = f"{stack.app_url}{PAGE}"
            urls = {"static": static_url, "hit": hit_url, "varnish": varnish_url, "render": render_url}
            # The servers whose CPU a request costs: nginx and memcached on the hit path, varnishd.
            servers = {
                "hit": [stack.children[name].process.pid for name in ("nginx", *stack.memcached_names)],
                "varnish": [cache.process.pid],
            }
            runs = {name: [] for name in urls}
            # Interleaved rounds, the median of each: a passing load on the machine hits all alike.
            for _ in range(ROUNDS):
                for name, url in urls.items():
                    extra = RENDER_HEADERS if name == "render" else ()
                    runs[name].append(wrk(url, extra, servers.get(name, ())))
        with LocalStack(db, nginx_options={"worker_processes": workers, "l1": False}) as classic:
            get(classic.base_url + PAGE)
            runs["hit without L1"] = [wrk(classic.base_url + PAGE) for _ in range(ROUNDS)]
        results["paths"] = {name: _median(rows) for name, rows in runs.items()}
    finally:
        for child in children:
            child.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
    paths = results["paths"]
    results["ratios"] = {
        "hit/varnish": paths["hit"]["rps"] / paths["varnish"]["rps"],
        "hit/static": paths["hit"]["rps"] / paths["static"]["rps"],
        "hit/render": paths["hit"]["rps"] / paths["render"]["rps"],
        "hit p99 / varnish p99": paths["hit"]["p99_ms"] / paths["varnish"]["p99_ms"],
        "hit without L1/varnish": paths["hit without L1"]["rps"] / paths["varnish"]["rps"],
        "hit CPU per request / varnish's": paths["hit"]["cpu_us"] / paths["varnish"]["cpu_us"],
    }
    return results
