#!/usr/bin/env python3
"""Hostile load: does the server keep serving its ordinary callers while others abuse it?

Starts `attest serve` (the release build, ATTEST_WORKERS=2) on a throwaway data directory with
its own PostgreSQL, creates an admin, a submitter and a victim account, and for --seconds runs
a NORMAL load (a few threads: POST /sources, POST /claims on it, GET /claims/{id},
GET /claims?limit=20, every status recorded) side by side with every HOSTILE class, each in a
process of its own (so no class, nor the measurements, waits on another's Python GIL):

  extraction      POST /sources with ~200 KB of initials, abbreviations, grouped numbers and
                  unbalanced quote marks, freshly random each time, then POST /sources/{id}/extract
  huge value      POST /claims whose value has 10,000 to 3,000,000 digits (mostly a JSON string)
  anchor search   POST /claims/batch of 20 claims with ~10,000-character statements, anchored
                  (`"anchor": {}`) in a 1,000,000-character periodic text: near misses that
                  fail on the last character, or repeats that occur thousands of times
  short quote     POST /quotes of a 10-character direct quote found 20,000 times in its source
  provenance      two pairs of ~15,000-character quotes by one speaker (the same words
                  shuffled; unrelated words), linked with POST /quotes/{id}/variant-of (a 422
                  refusal is fine), then GET /quotes/{id}/provenance over and over
  exports         40 sockets that send GET /claims/export and never read; reopened when closed
  sign-in         50 threads of POST /auth/token with wrong passwords for one victim account
  methods         made-up HTTP methods on random paths (labels that /metrics might keep)
  CJK labels      POST /speakers with a 1,000-CJK-character name, POST /sources with a
                  1,000-CJK-character publisher

Meanwhile the server's VmRSS (the attest process only, not its PostgreSQL) is sampled every
50 ms, and GET /healthz is polled every 50 ms on a keep-alive connection. At the end it prints
the peak RSS, the /healthz p50/p99/max and failures, the normal load's requests and error
rate (any non-2xx is an error, except 429 and 503 that carry Retry-After: designed refusals,
counted apart), each hostile class's statuses, the size of /metrics, and whether the server
survived; --out writes the same as JSON. Exits 1 if the server died or the normal load met an
undesigned error; 2 if the release binary is missing. Not part of `cargo test`.

Usage: python3 benches/hostile.py [--seconds 120] [--out FILE]
"""

import argparse
import collections
import http.client
import json
import multiprocessing
import os
import random
import re
import select
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "attest"
HOST = "127.0.0.1"
WORKERS = 2
PASSWORD = "hostile bench passphrase 12345"
ADMIN, SUBMITTER, VICTIM = "admin@hostile.example", "submitter@hostile.example", "victim@hostile.example"

NORMAL_THREADS = 3
NORMAL_TIMEOUT = 30.0  # seconds; a normal request slower than this counts as an error
SIGN_IN_THREADS = 50
EXPORT_SOCKETS = 40
GRACE = 15.0  # seconds a hostile request in flight at the deadline may still take
POLL_INTERVAL = 0.05


# ---------------------------------------------------------------------------------------------
# HTTP


class Answer:
    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    @property
    def ok(self):
        return isinstance(self.status, int) and 200 <= self.status < 300

    def json(self):
        return json.loads(self.body)


def failure_name(error):
    """A short status for a request that got no HTTP answer."""
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, (ConnectionResetError, BrokenPipeError)):
        return "reset"
    if isinstance(error, http.client.RemoteDisconnected):
        return "disconnected"
    return type(error).__name__


class Http:
    """One keep-alive connection to the server, replaced after any error."""

    def __init__(self, port):
        self.port, self.connection, self.stale_retries = port, None, 0

    def close(self):
        if self.connection:
            self.connection.close()
        self.connection = None

    def call(self, method, path, body=None, bearer=None, headers=None, timeout=30.0):
        if body is None or isinstance(body, bytes):
            data = body
        else:
            data = json.dumps(body, ensure_ascii=False).encode()
        sent_headers = {"Content-Type": "application/json"} if data is not None else {}
        if bearer:
            sent_headers["Authorization"] = "Bearer " + bearer
        sent_headers.update(headers or {})
        started = time.monotonic()
        for attempt in (1, 2):
            reused = self.connection is not None
            try:
                if not reused:
                    self.connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
                else:
                    self.connection.timeout = timeout
                    if self.connection.sock:
                        self.connection.sock.settimeout(timeout)
                self.connection.request(method, path, body=data, headers=sent_headers)
                response = self.connection.getresponse()
                payload = response.read()
                if response.will_close:
                    self.close()
                return Answer(response.status, response.headers, payload, time.monotonic() - started)
            except (OSError, http.client.HTTPException) as error:
                self.close()
                # A kept-alive connection the server closed while idle fails at once: that is
                # no answer to this request, so it is sent again once on a new connection.
                stale = isinstance(error, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError))
                if attempt == 1 and reused and stale and time.monotonic() - started < 1:
                    self.stale_retries += 1
                    continue
                return Answer(failure_name(error), {}, b"", time.monotonic() - started)


class Session:
    """A user's access token, renewed before its 15 minutes run out. Refresh tokens are single
    use, so every process that needs a session signs in for its own (before the sign-in
    attack locks the loopback address out)."""

    def __init__(self, port, email):
        self.http = Http(port)
        answer = self.http.call("POST", "/auth/token", {"email": email, "password": PASSWORD}, timeout=60)
        if answer.status != 200:
            sys.exit(f"signing in {email}: {answer.status} {answer.body[:300]!r}")
        self._take(answer.json())
        self.http.close()  # no socket shared with a forked child
        self.lock = threading.Lock()

    def _take(self, tokens):
        self.access, self.refresh = tokens["access_token"], tokens["refresh_token"]
        self.renew_at = time.monotonic() + tokens["expires_in"] * 0.6

    def bearer(self):
        with self.lock:
            if time.monotonic() >= self.renew_at:
                answer = self.http.call("POST", "/auth/refresh", {"refresh_token": self.refresh}, timeout=30)
                if answer.status == 200:
                    self._take(answer.json())
                else:  # keep the old token meanwhile; try again shortly
                    self.renew_at = time.monotonic() + 5
            return self.access


def percentiles(values):
    """Count, p50, p99 and max of `values` (seconds) in ms."""
    if not values:
        return {"count": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    values = sorted(values)
    pick = lambda q: round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 2)
    return {"count": len(values), "p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": round(values[-1] * 1000, 2)}


# ---------------------------------------------------------------------------------------------
# The server


class Server:
    """`attest serve` on `work`, with its own PostgreSQL."""

    def __init__(self, work):
        self.work = work
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            self.port = probe.getsockname()[1]
        self.env = dict(os.environ, ATTEST_WORKERS=str(WORKERS))
        self.env.pop("DATABASE_URL", None)
        self.env.pop("ATTEST_LOG", None)
        self.log_path = work / "serve.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [BIN, "serve", "--data-dir", work, "--bind", f"{HOST}:{self.port}"], env=self.env, stderr=self.log
        )
        http = Http(self.port)
        for _ in range(600):
            if self.process.poll() is not None:
                sys.exit(f"attest serve exited with {self.process.returncode}:\n{self.log_tail()}")
            if http.call("GET", "/readyz", timeout=2).status == 200:
                break
            time.sleep(0.2)
        else:
            sys.exit("attest serve did not become ready:\n" + self.log_tail())
        http.close()

    def add_user(self, email, name, role):
        add = subprocess.run(
            [BIN, "user", "add", "--data-dir", self.work, "--email", email, "--name", name, "--role", role,
             "--password-stdin"], input=PASSWORD + "\n", text=True, capture_output=True, env=self.env)
        if add.returncode != 0:
            sys.exit(f"attest user add {email}: {add.stderr}")

    def log_tail(self, lines=20):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def status_kib(self, field):
        try:
            found = re.search(rf"{field}:\s+(\d+)", Path(f"/proc/{self.process.pid}/status").read_text())
        except OSError:
            return None
        return int(found.group(1)) if found else None

    def stop(self):
        """SIGINT, so that the server stops its PostgreSQL; if the server is already gone, the
        cluster it leaves is stopped directly (its postmaster's pid is in postmaster.pid)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                print("attest serve did not stop within 120 s of SIGINT; sending SIGTERM", file=sys.stderr)
                self.process.terminate()
                self.process.wait(timeout=60)
        self.log.close()
        try:
            postmaster = int((self.work / "pgdata" / "postmaster.pid").read_text().split()[0])
            if b"postgres" not in Path(f"/proc/{postmaster}/cmdline").read_bytes():  # a stale file
                return
        except (OSError, ValueError, IndexError):
            return
        try:
            os.kill(postmaster, signal.SIGINT)  # PostgreSQL's fast shutdown
        except ProcessLookupError:
            return
        for _ in range(600):
            if not Path(f"/proc/{postmaster}").exists():
                return
            time.sleep(0.1)


class Memory:
    """Samples the server's VmRSS every 50 ms until stopped: past the deadline too, while the
    hostile requests still in flight are answered."""

    def __init__(self, server):
        self.server, self.stopped = server, threading.Event()
        self.start_kib = server.status_kib("VmRSS") or 0
        self.peak_kib, self.last_kib, self.samples = self.start_kib, self.start_kib, 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def stop(self):
        self.stopped.set()
        self.thread.join()

    def run(self):
        while not self.stopped.is_set():
            kib = self.server.status_kib("VmRSS")
            if kib is None:  # the server has exited
                return
            self.peak_kib, self.last_kib, self.samples = max(self.peak_kib, kib), kib, self.samples + 1
            self.stopped.wait(POLL_INTERVAL)


class HealthPoller:
    """GET /healthz every 50 ms on a keep-alive connection (a new one after an error)."""

    def __init__(self, port, deadline):
        self.port, self.deadline = port, deadline
        self.latencies, self.failures = [], collections.Counter()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        http, due = Http(self.port), time.monotonic()
        while time.monotonic() < self.deadline:
            answer = http.call("GET", "/healthz", timeout=10)
            self.latencies.append(answer.seconds)
            if answer.status != 200:
                self.failures[str(answer.status)] += 1
            due = max(due + POLL_INTERVAL, time.monotonic())  # after a stall: at once, no burst
            time.sleep(max(0.0, due - time.monotonic()))
        http.close()


# ---------------------------------------------------------------------------------------------
# The normal load


class NormalLoad:
    """What an ordinary submitter does, in a loop: every answer's status and latency."""

    def __init__(self, port, session, deadline):
        self.port, self.session, self.deadline = port, session, deadline
        self.answers = []  # (status, has Retry-After, seconds); list.append is atomic
        self.stale_retries = 0
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(NORMAL_THREADS)]
        for thread in self.threads:
            thread.start()

    def call(self, http, method, path, body=None):
        answer = http.call(method, path, body, bearer=self.session.bearer(), timeout=NORMAL_TIMEOUT)
        self.answers.append((answer.status, bool(answer.headers.get("Retry-After")), answer.seconds))
        return answer

    def run(self, n):
        http, rng = Http(self.port), random.Random(n)
        while time.monotonic() < self.deadline:
            source = self.call(http, "POST", "/sources", {
                "url": f"https://news.example/{n}/{uuid.uuid4()}", "kind": "article",
                "title": "Floods displace thousands", "publisher": "The Daily Example", "language": "en"})
            if source.status == 201:
                count = rng.randint(10, 99_999)
                claim = self.call(http, "POST", "/claims", {
                    "source_id": source.json()["id"],
                    "statement": f"The ministry said {count} people were displaced by the floods.",
                    "metric": "displaced people", "qualifier": "exact", "value": str(count), "unit": "people",
                    "as_of": "2026-11-20", "language": "en"})
                if claim.status == 201:
                    self.call(http, "GET", f"/claims/{claim.json()['id']}")
            if time.monotonic() < self.deadline:
                self.call(http, "GET", "/claims?limit=20")
            if not source.ok:
                time.sleep(0.05)  # a refused write is not retried in a tight loop
        self.stale_retries += http.stale_retries
        http.close()

    def figures(self):
        designed = sum(1 for status, retry_after, _ in self.answers if status in (429, 503) and retry_after)
        ok = sum(1 for status, _, _ in self.answers if isinstance(status, int) and 200 <= status < 300)
        errors = len(self.answers) - ok - designed
        statuses = collections.Counter(str(status) for status, _, _ in self.answers)
        return {
            "requests": len(self.answers), "ok": ok, "designed_refusals": designed, "errors": errors,
            "error_rate": round(errors / len(self.answers), 5) if self.answers else None,
            "statuses": dict(statuses.most_common()), "stale_connection_retries": self.stale_retries,
            "latency": percentiles([seconds for _, _, seconds in self.answers]),
        }


# ---------------------------------------------------------------------------------------------
# Hostile classes: each runs in a process of its own and reports a Stats summary.


class Stats:
    """Status tallies of one hostile class, shared by its threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses, self.requests, self.max_seconds, self.max_bytes = collections.Counter(), 0, 0.0, 0
        self.samples = {}  # the start of the first answer of each refused kind: why it was refused
        self.notes = {}

    def add(self, label, answer):
        key = f"{label} {answer.status}"
        with self.lock:
            self.requests += 1
            self.statuses[key] += 1
            self.max_seconds = max(self.max_seconds, answer.seconds)
            self.max_bytes = max(self.max_bytes, len(answer.body))
            if not answer.ok and key not in self.samples:
                self.samples[key] = answer.body[:200].decode(errors="replace")

    def event(self, key, request=False):
        with self.lock:
            self.statuses[key] += 1
            self.requests += request

    def summary(self):
        return {"requests": self.requests, "statuses": dict(self.statuses.most_common()),
                "max_seconds": round(self.max_seconds, 2), "max_response_bytes": self.max_bytes,
                "samples": self.samples, **self.notes}


class Context:
    """What every hostile class gets: the port, the deadline, its own session, the fixtures."""

    def __init__(self, port, deadline, session, fixtures):
        self.port, self.deadline, self.session, self.fixtures = port, deadline, session, fixtures

    def running(self):
        return time.monotonic() < self.deadline

    def timeout(self):
        """Up to the deadline, and a little past it for a request still in flight then."""
        return max(1.0, self.deadline - time.monotonic()) + GRACE


def run_hostile(name, target, context, threads, queue):
    stats = Stats()
    try:
        workers = [threading.Thread(target=target, args=(context, stats, n)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    except Exception as error:  # reported, not raised: the other classes go on
        stats.notes["crashed"] = repr(error)
    queue.put((name, stats.summary()))


UPPER = string.ascii_uppercase
TITLES = ["Mr.", "Mrs.", "Ms.", "Dr.", "St.", "No.", "Gen.", "Sen.", "Rep.", "Inc.", "Ltd.", "Co.", "e.g.",
          "i.e.", "approx.", "vs.", "Jan.", "Feb.", "p.m.", "a.m.", "U.S.", "U.K.", "Prof.", "Lt.", "Col."]
MARKS = ['«a»', '“b”', '"c"', "‘d’", '„e“', "'f'", '«', '»', '“', '”', '"', '„', '‹g›', 'said', 'says', ':']


def initial(rng):
    return rng.choice([f"{rng.choice(UPPER)}.", f"{rng.choice(UPPER)}.{rng.choice(UPPER)}.", "U.S."])


def title(rng):
    return f"{rng.choice(TITLES)} {rng.choice(UPPER)}."


def number(rng):
    return rng.choice([
        str(rng.randint(0, 999)), f"{rng.randint(1, 999)},{rng.randint(0, 999):03d}",
        f"{rng.randint(1, 999)},{rng.randint(0, 999):03d},{rng.randint(0, 999):03d}",
        f"{rng.randint(0, 99)}.{rng.randint(0, 99)}", f"{rng.randint(1, 99)}%", f"${rng.randint(1, 999)}.",
        f"{rng.randint(1, 999)},{rng.randint(0, 999):03d}."])


def mark(rng):
    return rng.choice(MARKS)


def mixed(rng):
    return rng.choice((initial, title, number, mark))(rng)


def abbreviation_text(rng, size=200_000):
    """`size` characters of what sentence, quote and number finders find hardest: initials and
    abbreviations that look like sentence ends, grouped numbers and unbalanced quote marks, in
    runs of one style, so that a real sentence end or a closing mark may not come for pages."""
    parts, length = [], 0
    while length < size:
        style = rng.choice((initial, title, number, mark, mixed, mixed))
        for _ in range(rng.randint(20, 3000)):
            token = style(rng)
            parts.append(token)
            length += len(token) + 1
    return " ".join(parts)[:size]


def extraction(context, stats, n):
    rng, http = random.Random(), Http(context.port)
    while context.running():
        source = http.call("POST", "/sources", {
            "url": f"https://hostile.example/extract/{uuid.uuid4()}", "kind": "transcript",
            "content": abbreviation_text(rng)}, bearer=context.session.bearer(), timeout=context.timeout())
        stats.add("source", source)
        if source.status == 201 and context.running():
            stats.add("extract", http.call("POST", f"/sources/{source.json()['id']}/extract",
                                           bearer=context.session.bearer(), timeout=context.timeout()))
        elif not source.ok:
            time.sleep(0.05)


DIGITS = bytes(ord("0") + b % 10 for b in range(256))


def huge_value(context, stats, n):
    rng, http = random.Random(), Http(context.port)
    source_id = context.fixtures["plain_source"]
    while context.running():
        count = rng.randint(10_000, 3_000_000)
        digits = str(rng.randint(1, 9)).encode() + os.urandom(count - 1).translate(DIGITS)
        head = json.dumps({"source_id": source_id, "statement": "A number too long to print.",
                           "metric": "digits", "qualifier": "exact"})[:-1].encode()
        # Mostly a JSON string, as clients send exact decimals; sometimes a bare JSON number.
        as_string = rng.random() < 0.75
        value = b'"' + digits + b'"' if as_string else digits
        answer = http.call("POST", "/claims", head + b', "value": ' + value + b"}",
                           bearer=context.session.bearer(), timeout=context.timeout())
        stats.add("value-string" if as_string else "value-number", answer)


ANCHOR_UNIT = "ab "  # the anchor source is this, repeated to 999,999 characters


def anchor_search(context, stats, n):
    rng, http = random.Random(), Http(context.port)
    source_id = context.fixtures["anchor_source"]
    while context.running():
        # Near misses compare ~10,000 characters at each of a million places before failing;
        # repeats are found at a third of all places, each place named in the error.
        absent = rng.random() < 0.5
        items = []
        for _ in range(20):
            repeats = rng.randint(3000, 3600)
            statement = ANCHOR_UNIT * repeats + ("ax" if absent else "ab")
            items.append({"source_id": source_id, "statement": statement, "metric": "letters",
                          "qualifier": "exact", "value": str(repeats), "unit": "repeats", "anchor": {}})
        answer = http.call("POST", "/claims/batch", {"items": items}, bearer=context.session.bearer(),
                           timeout=context.timeout())
        stats.add("batch-absent" if absent else "batch-repeated", answer)


QUOTE = "We refuse."  # 10 characters, 20,000 times in its source
QUOTE_SOURCE = (QUOTE + " They said so again. ") * 20_000


def short_quote(context, stats, n):
    http = Http(context.port)
    body = {"source_id": context.fixtures["quote_source"], "speaker_id": context.fixtures["speaker"],
            "kind": "direct", "text": QUOTE}
    while context.running():
        stats.add("quote", http.call("POST", "/quotes", body, bearer=context.session.bearer(),
                                     timeout=context.timeout()))


def provenance(context, stats, n):
    http = Http(context.port)
    quotes = context.fixtures["provenance_quotes"]  # pairs: (variant, canonical)
    for variant, canonical in zip(quotes[::2], quotes[1::2]):
        current = http.call("GET", f"/quotes/{variant}", bearer=context.session.bearer(), timeout=context.timeout())
        stats.add("get", current)
        link = http.call("POST", f"/quotes/{variant}/variant-of", {"canonical_id": canonical},
                         bearer=context.session.bearer(), headers={"If-Match": current.headers.get("ETag", "*")},
                         timeout=context.timeout())
        stats.add("variant-of", link)
    while context.running():
        for quote in quotes:
            if not context.running():
                break
            stats.add("provenance", http.call("GET", f"/quotes/{quote}/provenance", bearer=context.session.bearer(),
                                              timeout=context.timeout()))


def peek_status(sock):
    """The status of the answer waiting in `sock`, without reading it (None: nothing yet)."""
    try:
        head = sock.recv(12, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError as error:
        return failure_name(error)
    if head.startswith(b"HTTP/1.") and len(head) >= 12:
        return head[9:12].decode(errors="replace")
    return None if not head else "garbage"


def exports(context, stats, n):
    """Sockets that ask for the whole claims export and never read a byte of it."""
    gone = select.POLLRDHUP | select.POLLHUP | select.POLLERR
    poller, held = select.poll(), {}  # fd -> [socket, opened at, status seen]
    longest = 0.0
    while context.running():
        while len(held) < EXPORT_SOCKETS and context.running():
            sock = socket.socket()
            # A tiny receive window: the server's writes stall after a few KiB, not megabytes.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.settimeout(5)
            try:
                sock.connect((HOST, context.port))
                sock.sendall(f"GET /claims/export HTTP/1.1\r\nHost: {HOST}:{context.port}\r\n"
                             f"Authorization: Bearer {context.session.bearer()}\r\n\r\n".encode())
            except OSError as error:
                sock.close()
                stats.event(f"open {failure_name(error)}")
                time.sleep(0.1)
                break
            sock.setblocking(False)
            poller.register(sock, gone)
            held[sock.fileno()] = [sock, time.monotonic(), False]
            stats.event("opened", request=True)
        for fd, _ in poller.poll(100):
            sock, opened, seen = held.pop(fd)
            if not seen:
                stats.event(f"export {peek_status(sock) or 'closed unanswered'}")
            poller.unregister(fd)
            sock.close()
            longest = max(longest, time.monotonic() - opened)
            stats.event("closed by the server")
        for entry in held.values():
            if not entry[2]:
                status = peek_status(entry[0])
                if status:
                    stats.event(f"export {status}")
                    entry[2] = True
    stats.notes["held_at_end"] = len(held)
    stats.notes["longest_held_until_closed_s"] = round(longest, 1)
    for sock, opened, _ in held.values():
        stats.notes["longest_held_s"] = round(max(stats.notes.get("longest_held_s", 0), time.monotonic() - opened), 1)
        sock.close()


def sign_in(context, stats, n):
    http, rng = Http(context.port), random.Random(n)
    while context.running():
        guess = "".join(rng.choices(string.ascii_letters + string.digits, k=16))
        stats.add("token", http.call("POST", "/auth/token", {"email": VICTIM, "password": guess},
                                     timeout=context.timeout()))


def methods(context, stats, n):
    http, rng = Http(context.port), random.Random(n)
    segments = ["claims", "quotes", "sources", "speakers", "metrics", "healthz", "auth", "x"]
    while context.running():
        method = "".join(rng.choices(UPPER, k=rng.randint(3, 12)))
        path = "/" + "/".join(rng.choice(segments + ["".join(rng.choices(string.ascii_lowercase + string.digits,
                                                                           k=rng.randint(1, 24)))])
                              for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.3:
            path += f"?{rng.choice(string.ascii_lowercase)}={rng.randint(0, 10 ** 9)}"
        stats.add("made-up", http.call(method, path, timeout=context.timeout()))


def cjk(rng, count=1000):
    return "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(count))


def cjk_labels(context, stats, n):
    http, rng = Http(context.port), random.Random(n)
    while context.running():
        stats.add("speaker", http.call("POST", "/speakers", {"name": cjk(rng), "kind": "person"},
                                       bearer=context.session.bearer(), timeout=context.timeout()))
        if context.running():
            stats.add("source", http.call("POST", "/sources", {
                "url": f"https://hostile.example/cjk/{uuid.uuid4()}", "kind": "article", "publisher": cjk(rng),
                "language": "zh"}, bearer=context.session.bearer(), timeout=context.timeout()))


# name: (function, threads, who signs in: None for no one)
HOSTILE = {
    "extraction": (extraction, 1, SUBMITTER),
    "huge value": (huge_value, 1, SUBMITTER),
    "anchor search": (anchor_search, 1, SUBMITTER),
    "short quote": (short_quote, 1, SUBMITTER),
    "provenance": (provenance, 1, ADMIN),  # linking variants takes a reviewer
    "exports": (exports, 1, SUBMITTER),
    "sign-in": (sign_in, SIGN_IN_THREADS, None),
    "methods": (methods, 2, None),
    "CJK labels": (cjk_labels, 1, SUBMITTER),
}


# ---------------------------------------------------------------------------------------------
# Setup


def must(answer, what, expected=201):
    if answer.status != expected:
        sys.exit(f"setup: {what}: {answer.status} {answer.body[:500]!r}")
    return answer.json()


def long_words(rng, vocabulary, size):
    words, length = [], 0
    while length < size:
        words.append(rng.choice(vocabulary))
        length += len(words[-1]) + 1
    return words


def fixtures(port, session):
    """The records the hostile classes use: sources, a speaker, the provenance quotes, and
    enough claims that an export is megabytes long."""
    http, bearer, rng = Http(port), session.bearer(), random.Random(1)

    def source(content, label):
        body = {"url": f"https://hostile.example/{label}/{uuid.uuid4()}", "kind": "transcript"}
        if content is not None:
            body["content"] = content
        return must(http.call("POST", "/sources", body, bearer=bearer, timeout=120), f"source {label}")["id"]

    made = {
        "plain_source": source(None, "plain"),
        "anchor_source": source((ANCHOR_UNIT * 333_333)[:999_999], "anchor"),
        "quote_source": source(QUOTE_SOURCE, "quote"),
        "speaker": must(http.call("POST", "/speakers", {"name": "A. Spokesperson", "kind": "person"},
                                  bearer=bearer), "speaker")["id"],
    }
    # Two pairs of ~15,000-character quotes: the same words shuffled (alike by trigrams, the
    # longest word diff) and two unrelated texts.
    vocabulary = [w for w in re.findall(r"[a-z]+", __doc__.lower()) if len(w) > 2]
    first = long_words(rng, vocabulary, 15_000)
    shuffled = first[:]
    rng.shuffle(shuffled)
    other = long_words(rng, [w.upper() for w in vocabulary], 15_000)
    unrelated = long_words(rng, [w.capitalize() for w in vocabulary], 15_000)
    texts = [" ".join(words) for words in (shuffled, first, other, unrelated)]
    provenance_source = source("\n\n".join(texts), "provenance")
    made["provenance_quotes"] = [
        must(http.call("POST", "/quotes", {"source_id": provenance_source, "speaker_id": made["speaker"],
                                           "kind": "direct", "text": text}, bearer=bearer, timeout=120),
             "provenance quote")["id"] for text in texts]
    # 5,000 claims of ~1,000 characters: an export of about 5 MB, far past the socket buffers.
    for batch in range(5):
        items = [{"source_id": made["plain_source"], "metric": "words", "qualifier": "exact", "value": str(i),
                  "statement": " ".join(long_words(rng, vocabulary, 1000))} for i in range(1000)]
        must(http.call("POST", "/claims/batch", {"items": items}, bearer=bearer, timeout=120), "claims batch")
    http.close()
    return made


# ---------------------------------------------------------------------------------------------


def mib(kib):
    return None if kib is None else round(kib / 1024, 1)


def report(figures):
    server, health, normal = figures["server"], figures["healthz"], figures["normal"]
    lines = [
        f"{'server':<16} peak RSS {server['rss_peak_mib']} MiB (start {server['rss_start_mib']}, end "
        f"{server['rss_end_mib']}, VmHWM {server['vm_hwm_mib']}); survived: {'yes' if server['survived'] else 'NO'}"
        + ("" if server["exit_code"] is None else f" (exit code {server['exit_code']})"),
        f"{'/healthz':<16} {health['count']} polls, p50 {health['p50_ms']} ms, p99 {health['p99_ms']} ms, max "
        f"{health['max_ms']} ms, failures {health['failures']} {health['failure_statuses'] or ''}".rstrip(),
        f"{'normal load':<16} {normal['requests']} requests, errors {normal['errors']} "
        f"({(normal['error_rate'] or 0) * 100:.2f}%), designed refusals {normal['designed_refusals']}, "
        f"p50 {normal['latency']['p50_ms']} ms, p99 {normal['latency']['p99_ms']} ms, max "
        f"{normal['latency']['max_ms']} ms; statuses {normal['statuses']}",
        f"{'/metrics':<16} {figures['metrics_bytes']['after']} bytes (before the load: "
        f"{figures['metrics_bytes']['before']})",
        "",
        f"{'hostile class':<16} {'requests':>8} {'max s':>7} {'max bytes':>10}  statuses",
    ]
    for name, result in figures["hostile"].items():
        if result is None:
            lines.append(f"{name:<16} did not report")
            continue
        statuses = ", ".join(f"{key}: {count}" for key, count in result["statuses"].items())
        extra = {k: v for k, v in result.items() if k not in ("requests", "statuses", "max_seconds",
                                                             "max_response_bytes", "samples")}
        lines.append(f"{name:<16} {result['requests']:>8} {result['max_seconds']:>7} "
                     f"{result['max_response_bytes']:>10}  {statuses}" + (f"  {extra}" if extra else ""))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=120, help="how long the loads run")
    parser.add_argument("--out", help="also write the figures to this file as JSON")
    args = parser.parse_args()
    if args.seconds < 1:
        parser.error("--seconds must be at least 1")
    if not BIN.exists():
        print(f"{BIN} is missing: run `cargo build --release` first", file=sys.stderr)
        sys.exit(2)

    work = Path(tempfile.mkdtemp(prefix="attest-hostile-", dir="/tmp"))
    os.chmod(work, 0o755)  # the postgres account must reach the cluster inside
    server, processes = None, []
    try:
        print("starting attest serve ...", file=sys.stderr, flush=True)
        server = Server(work)
        for email, name, role in ((ADMIN, "Admin", "admin"), (SUBMITTER, "Submitter", "submitter"),
                                  (VICTIM, "Victim", "submitter")):
            server.add_user(email, name, role)
        # Every session signs in now: once the sign-in class starts, this address is locked out.
        session = Session(server.port, SUBMITTER)
        sessions = {name: Session(server.port, who) if who else None for name, (_, _, who) in HOSTILE.items()}
        print("creating fixtures ...", file=sys.stderr, flush=True)
        made = fixtures(server.port, session)
        metrics_before = len(Http(server.port).call("GET", "/metrics").body)

        print(f"running the loads for {args.seconds} s ...", file=sys.stderr, flush=True)
        deadline = time.monotonic() + args.seconds
        # Forked before this process starts any thread of its own.
        fork = multiprocessing.get_context("fork")
        queue = fork.Queue()
        for name, (target, threads, _) in HOSTILE.items():
            context = Context(server.port, deadline, sessions[name], made)
            process = fork.Process(target=run_hostile, args=(name, target, context, threads, queue), daemon=True)
            process.start()
            processes.append(process)
        memory = Memory(server)
        health = HealthPoller(server.port, deadline)
        normal = NormalLoad(server.port, session, deadline)
        time.sleep(max(0.0, deadline - time.monotonic()))

        print("collecting ...", file=sys.stderr, flush=True)
        for thread in normal.threads + [health.thread]:
            thread.join(timeout=NORMAL_TIMEOUT + 10)
        hostile = dict.fromkeys(HOSTILE)
        wait_until = time.monotonic() + GRACE + 30
        while None in hostile.values() and time.monotonic() < wait_until:
            try:
                name, summary = queue.get(timeout=max(0.1, wait_until - time.monotonic()))
                hostile[name] = summary
            except Exception:  # queue.Empty: a class still stuck past its grace
                break
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()

        memory.stop()
        alive = server.process.poll() is None
        answers = alive and Http(server.port).call("GET", "/healthz", timeout=10).status == 200
        metrics_after = len(Http(server.port).call("GET", "/metrics", timeout=30).body) if alive else None
        figures = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], text=True,
                                     capture_output=True).stdout.strip(),
            "cores": os.cpu_count(),
            "workers": WORKERS,
            "seconds": args.seconds,
            "server": {
                "rss_start_mib": mib(memory.start_kib), "rss_peak_mib": mib(memory.peak_kib),
                "rss_end_mib": mib(memory.last_kib), "vm_hwm_mib": mib(server.status_kib("VmHWM")),
                "rss_samples": memory.samples, "survived": bool(alive and answers),
                "exit_code": server.process.returncode,
            },
            "healthz": {**percentiles(health.latencies), "failures": sum(health.failures.values()),
                        "failure_statuses": dict(health.failures)},
            "normal": normal.figures(),
            "metrics_bytes": {"before": metrics_before, "after": metrics_after},
            "hostile": hostile,
        }
        if not figures["server"]["survived"]:
            print("the server did not survive; the end of its log:\n" + server.log_tail(), file=sys.stderr)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        if server:
            print("stopping attest serve ...", file=sys.stderr, flush=True)
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    print(report(figures))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(figures, indent=2, ensure_ascii=False))
        print(f"JSON in {args.out}")
    failed = not figures["server"]["survived"] or figures["normal"]["errors"] > 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
