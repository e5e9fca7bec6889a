"""The scheduler: every memcached command of the app and the purger, held until it is told what happens.

Each actor (a reader's request through the whole middleware stack, a round of the purger, a
revalidation in the background) runs the real code in a greenlet of its own. When the code sends
a memcached command, the actor stops there and the command waits in the scheduler until one of
its decisions:

- apply it and give the answer back (advance),
- let the client give up (time_out): the command stays in flight and may still be applied later
  (land), as memcached runs what reached it even after the client closed the connection,
- apply it and lose the answer (answer_lost),
- refuse it as a full memcached does (refuse: "SERVER_ERROR out of memory"),
- restart the node (restart): empty, every command in flight on it lost, connections reset.

Commands are applied one at a time to the real memcached, each on the connection of the scheduler
(commands of one connection keep their order: an actor waits for each answer). Time is the
scheduler's: a lifetime the code asks for is recorded, memcached is asked to keep the item far
longer, and the item is deleted when the simulated clock passes its end (advance_time). Only one
greenlet runs at a time and nothing waits on a wall clock: a history is a list of decisions, and
replaying the list replays the history.
"""

from dataclasses import dataclass, field

import greenlet
from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheServerError, MemcacheUnexpectedCloseError

# memcached keeps an item SCALE times the lifetime asked for: expiry is the scheduler's event.
SCALE = 1000
READS = {"get", "gets", "get_many", "gets_many", "stats"}


@dataclass
class Op:
    """One memcached command sent by an actor."""

    number: int
    actor: "Actor"
    server: str
    connection: int
    method: str
    args: tuple
    kwargs: dict
    node: str = ""  # memcached 1, 2 ... as the history names them

    def keys(self):
        """The keys the command writes (none for a read)."""
        if self.method in READS:
            return []
        if self.method == "flush_all":
            return None
        if self.method == "set_many":
            return list(self.args[0])
        if self.method == "delete_many":
            return list(self.args[0])
        if self.method == "raw_command":
            return [self.args[0].split(b"\r\n", 1)[0].split()[1].decode()]
        return [self.args[0]]

    def named(self):
        """Every key the command names, read or written."""
        if self.method in ("get_many", "gets_many"):
            return list(self.args[0])
        if self.method in ("get", "gets"):
            return [self.args[0]]
        return self.keys() or []

    def __str__(self):
        shown = self.args[0] if self.args else ""
        if self.method == "raw_command":
            shown = self.args[0].split(b"\r\n", 1)[0].decode()
        elif isinstance(shown, dict):
            shown = sorted(shown)
        elif isinstance(shown, list | tuple):
            shown = list(shown)
        return f"#{self.number} {self.actor.name} -> {self.node}: {self.method} {short(shown)}"


def short(value):
    text = str(value)
    for prefix in ("pagecache:", "'pagecache:"):
        text = text.replace(prefix, "")
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass
class Actor:
    name: str
    glet: greenlet.greenlet
    op: Op | None = None
    done: bool = False
    result: object = None
    read_epoch: int = 0  # the editors' epoch when it last read the database (a view's content)
    page_tags: tuple = ()
    connections: dict = field(default_factory=dict)  # server -> connection number


class SimClient:
    """What Node.client() gives an actor: pymemcache's methods, each one a held command."""

    def __init__(self, sim, actor, server, connection):
        self.sim, self.actor, self.server, self.connection = sim, actor, server, connection

    def close(self):
        if self.actor.connections.get(self.server) == self.connection:
            del self.actor.connections[self.server]

    def __getattr__(self, method):
        def send(*args, **kwargs):
            return self.sim.send(self.actor, self.server, self.connection, method, args, kwargs)

        return send


class Simulator:
    """Actors, the commands they sent, the simulated clock, and what memcached holds (shadowed)."""

    def __init__(self, servers, tracked=lambda key: False, observe=lambda op, answer: None):
        self.servers = list(servers)
        self.real = {server: _real_client(server) for server in self.servers}
        self.tracked = tracked  # keys whose writer is remembered (pages, grace copies)
        self.observe = observe  # told of every command applied, with its answer
        self.main = greenlet.getcurrent()
        self.actors, self.by_glet, self.abandoned = [], {}, []
        self.ops = self.connections = 0
        self.now = 0
        self.expiry = {server: {} for server in self.servers}  # key -> simulated time it ends
        self.writer = {server: {} for server in self.servers}  # key -> (epoch, tags) of its store
        self.log = []
        self.closed = False

    # -- actors -------------------------------------------------------------------------------

    def spawn(self, name, function):
        """Start an actor; it runs until its first memcached command (or its end)."""
        actor = Actor(f"{name}{len(self.actors) + 1}", None)
        actor.glet = greenlet.greenlet(function, parent=self.main)
        # The main greenlet's context: the same database connection (Django keeps it in a
        # context variable), inside the test's transaction.
        actor.glet.gr_context = self.main.gr_context
        self.actors.append(actor)
        self.by_glet[actor.glet] = actor
        self.say(f"{actor.name} starts")
        self._run(actor, actor.glet.switch)
        return actor

    def current(self):
        actor = self.by_glet.get(greenlet.getcurrent())
        if actor is None:
            raise RuntimeError("memcached used outside an actor of the simulation")
        return actor

    def live(self):
        return [actor for actor in self.actors if not actor.done]

    def client(self, node):
        """Node.client() inside the simulation: the actor's open connection to node, or a new one."""
        actor = self.current()
        if node.server not in actor.connections:
            self.connections += 1
            actor.connections[node.server] = self.connections
        return SimClient(self, actor, node.server, actor.connections[node.server])

    def send(self, actor, server, connection, method, args, kwargs):
        if self.closed:  # the history is over: an actor still running meets a closed connection
            raise MemcacheUnexpectedCloseError()
        self.ops += 1
        node = f"memcached {self.servers.index(server) + 1}"
        actor.op = Op(self.ops, actor, server, connection, method, args, kwargs, node)
        return self.main.switch(actor.op)

    def _run(self, actor, resume, *arguments):
        actor.op = None
        outcome = resume(*arguments)
        if actor.glet.dead:
            actor.done, actor.result = True, outcome
            self.say(f"{actor.name} ends")

    # -- the scheduler's decisions ------------------------------------------------------------

    def advance(self, actor):
        """Apply the actor's command and give it the answer."""
        op = actor.op
        answer, error = self.apply(op)
        self.say(f"{op} -> {short(answer) if error is None else type(error).__name__}")
        if error is None:
            self._run(actor, actor.glet.switch, answer)
        else:
            self._run(actor, actor.glet.throw, error)

    def time_out(self, actor):
        """The client gives up; the command stays in flight (land() may still apply it)."""
        op = actor.op
        self.abandoned.append(op)
        self.say(f"{op} -> timed out, still in flight")
        self._run(actor, actor.glet.throw, TimeoutError("timed out"))

    def answer_lost(self, actor):
        op = actor.op
        self.apply(op)
        self.say(f"{op} -> applied, answer lost (timed out)")
        self._run(actor, actor.glet.throw, TimeoutError("timed out"))

    def refuse(self, actor):
        """memcached full: a store is refused, nothing applied."""
        op = actor.op
        self.say(f"{op} -> SERVER_ERROR out of memory")
        self._run(actor, actor.glet.throw, MemcacheServerError(b"out of memory storing object"))

    def land(self, op):
        """A command the client gave up on is applied now."""
        self.abandoned.remove(op)
        answer, error = self.apply(op)
        self.say(f"{op} -> lands late: {short(answer) if error is None else type(error).__name__}")

    def restart(self, server):
        """The node restarts empty: what was in flight on it is lost, its connections reset."""
        self.real[server].flush_all(noreply=False)
        self.expiry[server].clear()
        self.writer[server].clear()
        for op in [op for op in self.abandoned if op.server == server]:
            self.abandoned.remove(op)
        for actor in self.actors:
            actor.connections.pop(server, None)
        self.say(f"memcached {self.servers.index(server) + 1} restarts empty")
        for actor in self.live():
            if actor.op is not None and actor.op.server == server:
                self.say(f"{actor.op} -> connection reset")
                self._run(actor, actor.glet.throw, MemcacheUnexpectedCloseError())

    def advance_time(self, seconds):
        """The clock moves on: every item whose lifetime ended is gone."""
        self.now += seconds
        ended = 0
        for server in self.servers:
            for key, end in list(self.expiry[server].items()):
                if end is not None and end <= self.now:
                    self.real[server].delete(key, noreply=False)
                    del self.expiry[server][key]
                    self.writer[server].pop(key, None)
                    ended += 1
        self.say(f"{seconds} s pass (t={self.now}): {ended} items expire")

    # -- applying a command to the real memcached ---------------------------------------------

    def apply(self, op):
        """Run op on the real memcached; (answer, None) or (None, the error the client sees)."""
        real = self.real[op.server]
        args, kwargs = _stretched(op)
        try:
            answer = getattr(real, op.method)(*args, **kwargs)
        except MemcacheServerError as error:
            return None, error
        self._shadow(op, answer)
        self.observe(op, answer)
        return answer, None

    def _shadow(self, op, answer):
        keys = op.keys()
        server = op.server
        if keys is None:  # flush_all
            self.expiry[server].clear()
            self.writer[server].clear()
            return
        stored = _stored_keys(op, answer)
        for key in keys:
            if isinstance(key, bytes):
                key = key.decode()
            remaining = _remaining(self.real[server], key)
            if remaining is False:
                self.expiry[server].pop(key, None)
                self.writer[server].pop(key, None)
                continue
            self.expiry[server][key] = None if remaining < 0 else self.now + round(remaining / SCALE)
            if key in stored and self.tracked(key):
                self.writer[server][key] = (op.actor.read_epoch, tuple(op.actor.page_tags))

    def in_flight(self):
        return list(self.abandoned)

    def say(self, line):
        self.log.append(line)

    def close(self):
        self.closed = True
        for actor in self.live():
            actor.glet.throw(greenlet.GreenletExit)
        for real in self.real.values():
            real.close()


def _real_client(server):
    host, _, port = server.rpartition(":")
    return Client((host, int(port)), connect_timeout=5, timeout=5, no_delay=True)


LIFETIMES = (b"T", b"N")  # a meta command's flags that give a lifetime: its own, and an item it creates


def _scaled(word):
    return (
        word[:1] + b"%d" % (int(word[1:]) * SCALE) if word[:1] in LIFETIMES and word[1:].isdigit() else word
    )


def _stretched(op):
    """The command as sent to memcached: lifetimes SCALE times longer (the clock is the scheduler's)."""
    args, kwargs = list(op.args), dict(op.kwargs)
    if kwargs.get("expire"):
        kwargs["expire"] = kwargs["expire"] * SCALE
    if op.method == "raw_command":
        line, _, rest = args[0].partition(b"\r\n")
        words = [_scaled(word) for word in line.split()]
        args[0] = b" ".join(words) + (b"\r\n" + rest if rest else b"")
    return args, kwargs


def _stored_keys(op, answer):
    """The keys this command stored a value under (for remembering who wrote a page)."""
    if op.method == "set":
        return {op.args[0]} if answer else set()
    if op.method == "set_many":
        return set(op.args[0]) - set(answer or ())
    if op.method in ("add", "cas"):
        return {op.args[0]} if answer else set()
    if op.method == "raw_command" and op.args[0].startswith(b"ms ") and answer.startswith(b"HD"):
        return set(op.keys())
    return set()


def _remaining(real, key):
    """Seconds memcached still keeps key (-1: for ever), False when it holds nothing there."""
    reply = real.raw_command(f"mg {key} t".encode(), b"\r\n")
    if not reply.startswith(b"HD"):
        return False
    return int(reply.split(b" t", 1)[1].split()[0])
