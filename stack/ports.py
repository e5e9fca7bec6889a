"""The one place for addresses and ports: everything listens on loopback, on free ports."""

import socket
import sys

LOOPBACK = "127.0.0.1"


def free_port(host=LOOPBACK):
    """A port nobody listens on now (the OS picks it, so parallel runs never collide)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(port, host=LOOPBACK):
    """True when no server listens there (as servers do, ignoring old connections in TIME_WAIT)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def web_port(wanted=None):
    """nginx's port: the one wanted (harvest -P) when it is free, else a free one."""
    if wanted and port_is_free(wanted):
        return wanted
    port = free_port()
    if wanted:
        print(f"port {wanted} is taken: nginx listens on {port} instead", file=sys.stderr)
    return port
