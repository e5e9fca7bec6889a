"""The local stack: programs found or named with their package, started, answering, stopped."""

import http.client
import socket

import pytest

from stack import binaries
from stack.local import LocalStack
from stack.ports import port_is_free, web_port


def test_missing_program_names_its_debian_package(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(binaries, "SBIN", ())
    with pytest.raises(binaries.MissingBinary, match=r"apt-get install -y nginx-light"):
        binaries.find("nginx")


def test_missing_module_names_its_debian_package(monkeypatch, tmp_path):
    monkeypatch.setattr(binaries, "nginx_modules_path", lambda nginx: tmp_path)
    with pytest.raises(binaries.MissingBinary, match=r"libnginx-mod-http-ndk"):
        binaries.nginx_modules("nginx")


def test_taken_port_is_replaced_by_a_free_one(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        chosen = web_port(port)
    assert chosen != port


def test_stack_serves_pages_then_stops_everything(tmp_path):
    stack = LocalStack(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with stack:
        connection = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=5)
        connection.request("GET", "/health/", headers={"Host": "localhost"})
        assert connection.getresponse().status == 200
        pids = [child.pid for child in stack.children.values()]
        assert len(pids) == 5  # memcached, gunicorn, the purger, the waiting room, nginx
    for port in (stack.web_port, stack.app_port, stack.memcached_port):
        assert port_is_free(port), f"port {port} still taken after stop"
    assert not stack.run_dir.exists()
