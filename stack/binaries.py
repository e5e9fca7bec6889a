"""The programs the stack runs, found on this machine or named with the Debian package to install."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


class MissingBinary(RuntimeError):
    """A program or module the stack needs is not installed; the message says how to install it."""


PACKAGES = {
    "nginx": "nginx-light",
    "memcached": "memcached",
    "varnishd": "varnish",
    "wrk": "wrk",
    "ndk_http_module.so": "libnginx-mod-http-ndk",
    "ngx_http_set_misc_module.so": "libnginx-mod-http-set-misc",
}
SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")


def _missing(name):
    package = PACKAGES[name]
    return MissingBinary(f"{name} is not installed: install it with `apt-get install -y {package}`")


def find(name):
    """Absolute path of a program: STACK_<NAME> if set, else on PATH or in the sbin folders."""
    override = os.environ.get(f"STACK_{name.upper()}")
    if override:
        if not (os.path.isfile(override) and os.access(override, os.X_OK)):
            raise MissingBinary(f"STACK_{name.upper()}={override} is not a program")
        return override
    path = shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN))
    if path is None:
        raise _missing(name)
    return path


def gunicorn():
    """gunicorn from the same environment as this Python (it is a pinned requirement)."""
    path = Path(sys.executable).with_name("gunicorn")
    if path.exists():
        return str(path)
    found = shutil.which("gunicorn")
    if found is None:
        raise MissingBinary("gunicorn is not installed: run `make venv` (it is in requirements.txt)")
    return found


def nginx_modules_path(nginx):
    """Where this nginx looks for dynamic modules (its --modules-path)."""
    info = subprocess.run([nginx, "-V"], capture_output=True, text=True, check=False).stderr
    match = re.search(r"--modules-path=(\S+)", info)
    return Path(match.group(1) if match else "/usr/lib/nginx/modules")


def nginx_modules(nginx):
    """The .so files that give nginx `set_md5`, in load order (ndk first)."""
    folder = nginx_modules_path(nginx)
    modules = []
    for name in ("ndk_http_module.so", "ngx_http_set_misc_module.so"):
        if not (folder / name).exists():
            raise _missing(name)
        modules.append(folder / name)
    return modules
