"""One client posting wrong passwords at RATE a second, with Django's real password hasher.

A reader meanwhile asks for pages that are never stored (rendered each time, as a page not in
the cache is): its latency with no flood; with the flood against both limits (nginx lets 5 login
POSTs a second of one client through, the app 5 failures a minute: accounts.throttle); and with
nginx's limit alone (LOGIN_FAILURES_ALLOWED raised out of reach), where every attempt let
through costs a password hash. Run alone: `python -m bench logins`.
"""

import http.client
import re
import statistics
import threading
import time

from bench.http import create_page
from stack.local import LocalStack
from stack.ports import LOOPBACK

SECONDS = 8.0
RATE = 20  # login attempts a second, from one client
FLOODERS = 4  # its connections
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def _reader(port, stop, timings):
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=60)
    n = 0
    while not stop.is_set():
        n += 1
        began = time.perf_counter()
        connection.request("GET", f"/?utm_source=bench{n}", headers={"Host": "localhost"})  # never stored
        connection.getresponse().read()
        timings.append(time.perf_counter() - began)
        time.sleep(0.05)


def _flooder(port, stop, answers):
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=60)
    connection.request("GET", "/login/", headers={"Host": "localhost"})
    reply = connection.getresponse()
    token = TOKEN.search(reply.read())[1].decode()
    cookie = reply.getheader("Set-Cookie").split(";")[0]
    body = f"csrfmiddlewaretoken={token}&username=bench&password=wrong".encode()
    headers = {"Host": "localhost", "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
               "Referer": f"http://localhost:{port}/login/"}  # fmt: skip
    every = FLOODERS / RATE
    next_at = time.monotonic()
    while not stop.is_set():
        connection.request("POST", "/login/", body=body, headers=headers)
        reply = connection.getresponse()
        reply.read()
        answers.append(reply.status)
        next_at += every
        time.sleep(max(0.0, next_at - time.monotonic()))


def _measure(port, flood):
    stop, timings, answers = threading.Event(), [], []
    threads = [threading.Thread(target=_reader, args=(port, stop, timings))]
    if flood:
        threads += [threading.Thread(target=_flooder, args=(port, stop, answers)) for _ in range(FLOODERS)]
    for thread in threads:
        thread.start()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join(60)
    timings.sort()
    return {
        "reader p50 ms": round(statistics.median(timings) * 1000, 1),
        "reader p99 ms": round(timings[int(len(timings) * 0.99)] * 1000, 1),
        "logins per s": round(len(answers) / SECONDS, 1),
        "answered 429": sum(1 for status in answers if status == 429),
        "passwords checked": sum(1 for status in answers if status == 200),
    }


def run(database_url):
    results = {}
    runs = (
        ("no flood", "5", False),
        ("flood, both limits", "5", True),
        ("flood, nginx's limit alone", "1000000", True),
    )
    for number, (name, limit, flood) in enumerate(runs):
        env = {"LOGIN_FAILURES_ALLOWED": limit, "FAST_PASSWORD_HASHING": "0"}
        with LocalStack(database_url.replace(".sqlite3", f"-{number}.sqlite3"), env=env) as stack:
            create_page(stack)
            results[name] = _measure(stack.web_port, flood)
    return results
