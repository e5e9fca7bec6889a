"""Health checks: is memcached answering, is an HTTP server answering 200."""

import http.client
import socket


def memcached_answers(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"version\r\n")
            return sock.recv(64).startswith(b"VERSION")
    except OSError:
        return False


def http_ok(host, port, path="/health/", timeout=2.0):
    try:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        connection.request("GET", path, headers={"Host": "localhost"})
        ok = connection.getresponse().status == 200
        connection.close()
        return ok
    except OSError:
        return False
