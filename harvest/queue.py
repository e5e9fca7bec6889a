"""Queue mode's meeting place: one run's keys on a Redis server that the coordinator and its
workers, on any machines, share.

    harvest:run:<id>:meta          the run: its commit, the workers' behave arguments, retries
    harvest:run:<id>:todo          the locations still to run, the next on the left
    harvest:run:<id>:doing:<w>     what worker w has taken and not yet answered for
    harvest:run:<id>:workers       the workers that joined
    harvest:run:<id>:alive:<w>     w's heartbeat (expires ALIVE seconds after its last beat)
    harvest:run:<id>:coordinator   the coordinator's heartbeat
    harvest:run:<id>:events        what workers say (harvest/messages.py), for the coordinator
    harvest:run:<id>:state         running, then done (or stopped: --failfast, a failed set-up)
    harvest:runs                   the runs waiting for workers, by start time

A worker takes a location by moving it from todo to its own doing list in one step (LMOVE), so
a worker that dies (kill -9 included) leaves it there: once its heartbeat expires, the
coordinator moves it back to the front of todo and another worker runs it. Every key expires a
day after the run's last write, and the coordinator deletes them at the end.

Redis, not Celery: a lost task on Celery's Redis transport comes back only when its visibility
timeout passes, which must exceed the longest scenario (a scenario would run twice otherwise),
and Celery notices neither a dead coordinator nor a dead worker's task sooner; a heartbeat per
side and a list per worker notice both within seconds.
"""

import contextlib
import json
import os
import socket
import threading
import time
import uuid

ALIVE = 4  # seconds a heartbeat lasts; beats come every second
KEEP = 24 * 3600  # seconds the run's keys outlive its last write
RUNS = "harvest:runs"


class QueueError(Exception):
    """No broker, or a run that cannot be joined: one line, exit 2."""


def connect(url):
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=3, decode_responses=True)
        client.ping()
    except (redis.RedisError, ValueError) as error:
        raise QueueError(f"--queue {url}: no Redis answers there ({one_line(error)})") from None
    return client


def one_line(error):
    return " ".join(str(error).split())


def new_run_id():
    return uuid.uuid4().hex[:12]


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}"


class Run:
    """One run's keys on the broker."""

    def __init__(self, client, run_id):
        self.client = client
        self.id = run_id
        self.prefix = f"harvest:run:{run_id}:"

    def key(self, name):
        return self.prefix + name

    # The coordinator's side

    def open(self, meta, locations):
        """Announce the run: its meta, its first locations, the state running."""
        with self.client.pipeline() as pipe:
            pipe.hset(self.key("meta"), mapping={name: json.dumps(value) for name, value in meta.items()})
            if locations:
                pipe.rpush(self.key("todo"), *locations)
            pipe.set(self.key("state"), "running")
            pipe.zadd(RUNS, {self.id: time.time()})
            for name in ("meta", "todo", "state"):
                pipe.expire(self.key(name), KEEP)
            pipe.execute()

    def push(self, locations, front=False):
        if locations:
            (self.client.lpush if front else self.client.rpush)(self.key("todo"), *locations)
            self.client.expire(self.key("todo"), KEEP)

    def clear_todo(self):
        self.client.delete(self.key("todo"))

    def set_state(self, state):
        self.client.set(self.key("state"), state, ex=KEEP)

    def workers(self):
        return self.client.smembers(self.key("workers"))

    def alive(self, worker):
        return bool(self.client.exists(self.key(f"alive:{worker}")))

    def taken_by(self, worker):
        return self.client.lrange(self.key(f"doing:{worker}"), 0, -1)

    def give_back(self, worker):
        """What a lost worker had taken, back at the front of todo; the worker forgotten."""
        taken = []
        while location := self.client.lmove(self.key(f"doing:{worker}"), self.key("todo"), "RIGHT", "LEFT"):
            taken.append(location)
        self.client.srem(self.key("workers"), worker)
        return taken

    def next_event(self, timeout=1.0):
        """(worker, message) of the next thing a worker said, or None after timeout seconds."""
        found = self.client.blpop([self.key("events")], timeout=timeout)
        if found is None:
            return None
        data = json.loads(found[1])
        return data["worker"], data["line"]

    def close(self):
        """Delete the run's keys: it is over."""
        names = list(self.client.scan_iter(match=self.prefix + "*", count=500))
        if names:
            self.client.delete(*names)
        self.client.zrem(RUNS, self.id)

    # The worker's side

    def exists(self):
        return bool(self.client.exists(self.key("meta")))

    def meta(self):
        raw = self.client.hgetall(self.key("meta"))
        if not raw:
            raise QueueError(f"run {self.id}: no such run on this broker (over, or never started)")
        return {name: json.loads(value) for name, value in raw.items()}

    def join(self, worker):
        self.client.sadd(self.key("workers"), worker)
        self.client.expire(self.key("workers"), KEEP)
        self.beat(worker)

    def beat(self, worker):
        self.client.set(self.key(f"alive:{worker}"), "1", ex=ALIVE)

    def coordinator_alive(self):
        return bool(self.client.exists(self.key("coordinator")))

    def beat_coordinator(self):
        self.client.set(self.key("coordinator"), "1", ex=ALIVE)

    def state(self):
        return self.client.get(self.key("state"))

    def take(self, worker, timeout=1.0):
        """The next location for this worker (moved to its doing list), or None."""
        return self.client.blmove(self.key("todo"), self.key(f"doing:{worker}"), timeout, "LEFT", "RIGHT")

    def done_with(self, worker, location):
        self.client.lrem(self.key(f"doing:{worker}"), 1, location)

    def say(self, worker, line):
        self.client.rpush(self.key("events"), json.dumps({"worker": worker, "line": line}))
        self.client.expire(self.key("events"), KEEP)


def newest_run(client):
    """The run that started last and waits for workers, or None."""
    found = client.zrevrange(RUNS, 0, 0)
    return found[0] if found else None


class Heartbeat:
    """A thread that beats every second while the block runs (beat: a function)."""

    def __init__(self, beat):
        self.beat = beat
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stopped.is_set():
            with contextlib.suppress(Exception):  # the broker went away: the other side notices our silence
                self.beat()
            self.stopped.wait(1.0)

    def __enter__(self):
        self.beat()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=5)
