"""Health checks: is memcached answering, is an HTTP server answering 200."""

import socket

import requests


def memcached_answers(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"version\r\n")
            return sock.recv(64).startswith(b"VERSION")
    except OSError:
        return False


def http_ok(host, port, path="/health/", timeout=2.0):
    try:
        reply = requests.get(f"http://{host}:{port}{path}", headers={"Host": "localhost"}, timeout=timeout)
        return reply.status_code == 200
    except requests.RequestException:
        return False
