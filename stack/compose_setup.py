"""What a compose run is made of, before a container starts: its files and addresses, nginx's
config for the run's network, the app's wheels, and a failed build said in one line."""

import hashlib
import os
import re
import subprocess
import sys

from stack import nginx
from stack.interface import StackError
from stack.paths import ROOT, VAR

COMPOSE_FILES = (ROOT / "docker-compose.yml", ROOT / "stack" / "compose.test.yml")
BUILD_LOG = VAR / "compose" / "build.log"  # the last build's whole output
RENDERED = VAR / "compose" / "nginx.conf"
WHEELS = VAR / "compose" / "wheels"
REQUIREMENTS = ROOT / "requirements.txt"
# "gunicorn": the app replicas
SERVICES = {
    "memcached": "memcached",
    "nginx": "web",
    "database": "db",
    "purger": "purger",
    "waitroom": "waitroom",
}
APP_REPLICAS = ("app", "app2")  # app2: the profile two-apps of docker-compose.yml
IMAGES = ("db", "memcached", "app", "web", "browser")  # app2, memcached2 and memcached3 reuse theirs
HEALTHY_TIMEOUT = 120.0
# Debian's nginx loads its modules from files; the web image is Debian's nginx-light.
NGINX_MODULES = ("/usr/lib/nginx/modules/ndk_http_module.so",
                 "/usr/lib/nginx/modules/ngx_http_set_misc_module.so")  # fmt: skip
DB_USER, DB_PASSWORD = "postgres", "postgres"


# Each service's address on the run's network (NET.10 ...). nginx and the app reach memcached,
# the app and the database by address, not by name: a stopped container's name stops resolving,
# and a lookup that falls through to an unreachable resolver would hang every request.
ADDRESSES = {"db": 10, "memcached": 11, "app": 12, "web": 13, "app2": 14, "memcached2": 15, "memcached3": 16,
             "purger": 17, "waitroom": 18}  # fmt: skip
POOL = ("memcached", "memcached2", "memcached3")  # memcached2, memcached3: the profile pool
DEFAULT_NET = "172.30.0"


def render_config(path=RENDERED, net=DEFAULT_NET, apps=1, memcached_nodes=1):
    """nginx's config for the `web` container, from the one template, for the run's addresses."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        nginx.render(
            listen="80",
            modules=NGINX_MODULES,
            memcached=[f"{net}.{ADDRESSES[node]}:11211" for node in POOL[:memcached_nodes]],
            app=[f"{net}.{ADDRESSES[app]}:8000" for app in APP_REPLICAS[:apps]],
            waitroom=f"{net}.{ADDRESSES['waitroom']}:8001",
            app_timeout=nginx.app_timeout(os.environ),
            run_dir="/tmp",
            error_log="/dev/stderr",
            access_log="/dev/stdout",
            error_pages="/srv/errors",
            user="root",
            worker_processes=2,
        )
    )
    return path


def free_net(run=subprocess.run):
    """A /24 in 172.30.0.0/15 that no Docker network uses, as its first three numbers."""
    ids = run(["docker", "network", "ls", "-q"], capture_output=True, text=True).stdout.split()
    used = set()
    if ids:
        shown = run(["docker", "network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}",
                     *ids], capture_output=True, text=True).stdout  # fmt: skip
        used = {subnet.rsplit(".", 1)[0] for subnet in shown.split()}
    for second in (30, 31):
        for third in range(256):
            net = f"172.{second}.{third}"
            if net not in used:
                return net
    raise StackError("no free /24 left in 172.30.0.0/15 for the run's network")


def wheelhouse(run=subprocess.run):
    """The pinned requirements as wheels, built on the host once per requirements.txt."""
    stamp = WHEELS / ".requirements-sha256"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return WHEELS
    WHEELS.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-r", REQUIREMENTS, "-w", WHEELS]
    result = run([str(arg) for arg in argv], capture_output=True, text=True)
    if result.returncode != 0:
        raise StackError(f"the app's wheels could not be built:\n{result.stderr.strip()[-2000:]}")
    stamp.write_text(digest)
    return WHEELS


def one_line(text):
    """A tool's complaint on one line."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


FAILED_STEP = (
    r"The command '/bin/sh -c (?P<step>.*)' returned a non-zero code: (?P<code>\d+)",  # Compose v1
    r'process "/bin/sh -c (?P<step>.*)" did not complete successfully: exit code: (?P<code>\d+)',  # BuildKit
)
FAILED_SERVICE = (
    r"Service '(?P<service>[\w-]+)' failed to build",  # Compose v1
    r"target (?P<service>[\w-]+): failed to solve",  # BuildKit
)


def _first(patterns, text):
    return next((found for pattern in patterns for found in [re.search(pattern, text)] if found), None)


def build_failure(output):
    """Which image failed to build, at which step: from Compose's output (v1 or BuildKit)."""
    step = _first(FAILED_STEP, output)
    service = _first(FAILED_SERVICE, output)
    service = service["service"] if service else "?"
    if step is None:
        return f"the image of {service} failed to build: {one_line(output)[-300:]}"
    return f"the image of {service} failed to build at `RUN {step['step']}` (exit {step['code']})"
