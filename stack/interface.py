"""The one interface every launcher implements: what terrain, the steps and `python -m stack` use."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


def memcached_names(count):
    """The names faults use for a stack's memcached: "memcached", or a pool's "memcached-1" ... "-N"."""
    return ["memcached"] if count == 1 else [f"memcached-{n}" for n in range(1, count + 1)]


class StackError(RuntimeError):
    """The stack could not start; the message carries the failing program's log tail."""


@dataclass
class BrowserService:
    """A Firefox the stack runs, listening for Marionette on this machine's loopback."""

    port: int
    console: Callable[[], list]  # the browser's own log lines, where the page's console goes


class Stack(Protocol):
    """nginx, memcached and the app, started by a launcher (local processes or docker compose)."""

    base_url: str  # where the suite's readers reach nginx
    browser_url: str  # where a browser reaches nginx (the same, unless it runs elsewhere)
    host: str  # the Host header readers send
    memcached: str  # host:port the suite reads and flushes; a pool's, comma-separated
    memcached_names: list  # the servers' names for stop_program, in the same order
    owns_database: bool  # True when the stack's end removes the test database with it

    def prepare(self) -> str | None:
        """Start what must run before the test database exists; the database URL it offers, or None."""

    def start(self, database_url: str) -> "Stack":
        """Start every program on that database and wait until each answers."""

    def stop(self) -> None:
        """Stop everything it started; safe to call twice, and after a failed start."""

    def stop_program(self, name: str) -> None:
        """Take one program ("memcached", "gunicorn") down at once, nothing waiting for what it
        was doing, for the fault scenarios."""

    def freeze(self, name: str) -> None:
        """Keep one program's port open but never answering."""

    def heal(self) -> None:
        """Every program running and answering again."""

    def arm_pause(self, post_id: int | str = "", point: str = "") -> None:
        """The next app worker to read the post stops right after reading it (the race scenarios);
        point pause_point.PURGE: the purger, right after reading the next purge's tag lists."""

    def paused_worker(self, point: str = "") -> int:
        """The pid of the process stopped at the pause point, once it has stopped."""

    def resume(self, worker: int, point: str = "") -> None:
        """Let the paused process go on."""

    def kill_paused(self, worker: int) -> None:
        """Kill the paused app worker (kill -9): its render never finishes."""

    def clear_l1(self) -> None:
        """Empty nginx's first level."""

    def browser_service(self, prefs: dict) -> BrowserService | None:
        """The stack's own browser, started with those preferences; None: the suite starts one."""

    def app_env(self) -> dict:
        """The environment a management command runs in, on the stack's data."""

    def log_tails(self, lines: int = 40) -> dict:
        """The last lines of each program's log, by file name."""

    def describe(self) -> dict:
        """Its addresses, for people."""
