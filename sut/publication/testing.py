"""Helpers for the site's own tests."""

import socket


def free_port():
    """A loopback port nobody listens on now (the OS picks it): an address where nothing answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
