"""The waiting room: readers wait here, not in the app's workers, for a render under way.

`python -m pagecache.waitroom --listen HOST:PORT` (every launcher starts one beside the app).
When the app finds a page's lease held by another render, it answers nginx with an internal
redirect to `/_wait/<key>`, and nginx passes the reader here (stack/nginx.conf.template). One
asyncio process holds every waiting reader; for each page waited on, one poller asks memcached
every POLL seconds for the page and its lease, whatever the number of readers, and answers:

- the page is stored: `X-Accel-Redirect: <the reader's URI>`, and nginx serves it from memcached;
- the lease says MISS (the render ended on a page that is never stored: it saw readers waiting,
  WAITING_PREFIX + key, which the poller keeps alive), or memcached does not answer: every
  reader renders it (`X-Accel-Redirect: /_render/`);
- the lease is gone without a page (a holder that was killed or froze, or a render whose page
  a purge made stale): one reader is sent to render it (where it takes the lease), the others
  wait on; every reader if it is still gone without a page HANDOVER seconds later;
- the reader's time is up (PAGECACHE_APP_TIMEOUT since nginx took its request, `X-Waited`):
  504, and nginx answers with the site's page for an app that does not answer.

Only the standard library and pagecache's ring and lease names: no Django in this process.
"""

import argparse
import asyncio
import os
import signal
import time

from pagecache.leases import DEFAULT_APP_TIMEOUT, MISS, lease_key, waiting_key
from pagecache.ring import Ring, parse

POLL = 0.01
HANDOVER = 0.2
PRESENCE_EVERY = 0.5  # the waiting key renewed (it lives 2 s): renders see readers are waiting
MEMCACHED_TIMEOUT = 0.2


class Memcached:
    """One connection to one memcached, its requests one at a time; None: no answer."""

    def __init__(self, server):
        host, _, port = server.rpartition(":")
        self.address = (host.strip("[]"), int(port))
        self.streams = None
        self.lock = asyncio.Lock()

    async def get_many(self, keys):
        return await self._call(lambda: self._get_many(keys))

    async def set(self, key, value, expire):
        return await self._call(lambda: self._set(key, value, expire))

    async def _call(self, request):
        """request()'s answer; a connection memcached closed (a restart) is tried once more, anew."""
        async with self.lock:
            for _ in range(2):
                try:
                    return await asyncio.wait_for(request(), MEMCACHED_TIMEOUT)
                except ConnectionRefusedError:
                    break  # memcached down
                except (ConnectionError, asyncio.IncompleteReadError):
                    self.close()  # restarted since the last request: once more, on a new connection
                except (TimeoutError, OSError, ValueError):
                    break
            self.close()
            return None

    async def _connected(self):
        if self.streams is None:
            self.streams = await asyncio.open_connection(*self.address)
        return self.streams

    async def _set(self, key, value, expire):
        reader, writer = await self._connected()
        writer.write(f"set {key} 0 {expire} {len(value)}\r\n".encode("ascii") + value + b"\r\n")
        await writer.drain()
        return await self._line(reader) == b"STORED\r\n"

    @staticmethod
    async def _line(reader):
        line = await reader.readline()
        if not line:
            raise ConnectionResetError("memcached closed the connection")
        return line

    async def _get_many(self, keys):
        reader, writer = await self._connected()
        writer.write(f"get {' '.join(keys)}\r\n".encode("ascii"))
        await writer.drain()
        found = {}
        while True:
            line = await self._line(reader)
            if line == b"END\r\n":
                return found
            parts = line.split()
            if not parts or parts[0] != b"VALUE":
                raise ValueError(f"memcached said {line[:80]!r}")
            value = await reader.readexactly(int(parts[3]) + 2)
            found[parts[1].decode("ascii")] = value[:-2]

    def close(self):
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


class Room:
    """Readers waiting, by page key; one poller per page."""

    def __init__(self, servers, bound):
        self.ring = Ring(servers)
        self.nodes = {server: Memcached(server) for server in servers}
        self.bound = bound
        self.waiting = {}  # key -> list of (deadline, future)
        self.polls = 0  # memcached requests made, for the bench

    async def wait(self, key, waited):
        """What to tell a reader who has waited `waited` seconds already: "stored", "render" or "late"."""
        future = asyncio.get_running_loop().create_future()
        readers = self.waiting.setdefault(key, [])
        readers.append((time.monotonic() + self.bound - waited, future))
        if len(readers) == 1:
            asyncio.create_task(self.poll(key))
        return await future

    async def poll(self, key):
        node = self.nodes[self.ring.server_for(key)]
        lease, handed_over, present = lease_key(key), None, 0.0
        while self.waiting.get(key):
            if time.monotonic() - present >= PRESENCE_EVERY:
                present = time.monotonic()
                await node.set(waiting_key(key), b"1", 2)
            self.polls += 1
            found = await node.get_many([key, lease])
            now = time.monotonic()
            if found is None or key in found or found.get(lease) == MISS:
                self.answer(key, "stored" if found and key in found else "render")
            elif lease not in found and handed_over is None:
                handed_over = now
                self.answer(key, "render", count=1)
            elif lease not in found and now - handed_over >= HANDOVER:
                self.answer(key, "render")
            self.answer_late(key, now)
            await asyncio.sleep(POLL)
        self.waiting.pop(key, None)

    def answer(self, key, outcome, count=None):
        readers = self.waiting.get(key, [])
        chosen, self.waiting[key] = readers[:count], readers[count:] if count else []
        for _, future in chosen:
            if not future.done():
                future.set_result(outcome)

    def answer_late(self, key, now):
        readers = self.waiting.get(key, [])
        for deadline, future in readers:
            if deadline <= now and not future.done():
                future.set_result("late")
        self.waiting[key] = [(deadline, future) for deadline, future in readers if not future.done()]


async def serve_reader(room, reader, writer):
    """HTTP/1.1 with keep-alive, as nginx's upstream speaks it: GET /_wait/<key> and GET /health."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
            path = request_line.split(" ")[1]
            writer.write(await respond(room, path, headers))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def respond(room, path, headers):
    if path == "/health":
        return _response(200, body=b"ok\n")
    if not path.startswith("/_wait/"):
        return _response(404)
    waited = float(headers.get("X-Waited") or 0)
    outcome = await room.wait(path[len("/_wait/") :], waited)
    if outcome == "late":
        return _response(504)
    target = headers.get("X-Original-URI", "/") if outcome == "stored" else "/_render/"
    return _response(200, {"X-Accel-Redirect": target})


def _response(status, headers=None, body=b""):
    reason = {200: "OK", 404: "Not Found", 504: "Gateway Timeout"}[status]
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def main(listen, servers, bound):
    room = Room(servers, bound)
    host, _, port = listen.rpartition(":")
    server = await asyncio.start_server(lambda r, w: serve_reader(room, r, w), host, int(port))
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m pagecache.waitroom", description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, metavar="HOST:PORT")
    arguments = parser.parse_args()
    servers = parse(os.environ.get("MEMCACHED", "127.0.0.1:11211"))
    timeout = float(os.environ.get("PAGECACHE_APP_TIMEOUT", DEFAULT_APP_TIMEOUT))
    asyncio.run(main(arguments.listen, servers, timeout))
