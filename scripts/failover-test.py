#!/usr/bin/env python3
"""Failover fault test: losing the primary loses nothing (run by .ci/run).

Starts the pg_auto_failover cluster of scripts/ha-cluster.sh (a monitor, a primary and a
synchronous standby), two `attest serve` on its multi-host DATABASE_URL, and a steady load of
audited writes (POST /sources) through both. Then, twice:

  1. `kill -9` the primary's keeper and postmaster (the machine dies);
  2. measure the time until a write sent after the kill succeeds (goal: under 15 s);
  3. stop the load and check that every write answered 201 is on the new primary, with its
     audit event, and that every other answer was a 503 problem+json with Retry-After (never a
     500, never a false success); then `attest audit verify` over the whole log;
  4. start the dead node again: it rejoins as the standby, and the second round fails back to it.

Usage: scripts/failover-test.py [--binary target/debug/attest] [--dir /tmp/attest-failover]
Prints one line per round and exits 1 if anything was lost or answered wrongly.
"""

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HA = ROOT / "scripts" / "ha-cluster.sh"
EMAIL, PASSWORD = "failover@test.example", "failover passphrase 12345"
RECOVERY_GOAL_S = 15
WRITERS_PER_SERVER = 4


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ha(base, *args):
    out = subprocess.run(["bash", str(HA), "-d", str(base), *args], check=True, text=True,
                         stdout=subprocess.PIPE).stdout
    return out.strip().splitlines()[-1] if out.strip() else ""


def psql(url, sql):
    # On standard input: a statement naming thousands of acknowledged ids is longer than one
    # command-line argument may be.
    return subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", url], input=sql, check=True, text=True,
                          capture_output=True).stdout.strip()


class Server:
    def __init__(self, binary, base, name, env):
        self.port = free_port()
        data_dir = base / name
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(base / f"{name}.log", "w")
        self.process = subprocess.Popen(
            [binary, "serve"], stderr=self.log, stdout=self.log,
            env={**env, "ATTEST_BIND": f"127.0.0.1:{self.port}", "ATTEST_DATA_DIR": str(data_dir),
                 "ATTEST_WORKERS": "2", "ATTEST_LOG": "warn"})
        deadline = time.monotonic() + 120
        while self.call("GET", "/readyz")[0] != 200:
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.process.kill()
                sys.exit(f"{name} did not become ready; see {base / name}.log")
            time.sleep(0.2)

    def call(self, method, path, body=None, token=None, timeout=10):
        """(status, headers, body) or (None, None, error) when the server could not be reached."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            connection.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        except OSError as error:
            return None, None, str(error)
        finally:
            connection.close()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


class Load:
    """Writers posting new sources through both servers until stopped; every answer kept."""

    def __init__(self, servers, token, label):
        self.answers, self.lock, self.running = [], threading.Lock(), True
        self.threads = [threading.Thread(target=self.write, args=(server, token, f"{label}-{i}-{n}"))
                        for i, server in enumerate(servers) for n in range(WRITERS_PER_SERVER)]
        for thread in self.threads:
            thread.start()

    def write(self, server, token, writer):
        n = 0
        while self.running:
            n += 1
            body = {"url": f"https://failover.example/{writer}/{n}", "kind": "article",
                    "retrieved_at": "2026-12-03T12:00:00Z", "title": f"Failover {writer} {n}"}
            started = time.monotonic()
            status, headers, payload = server.call("POST", "/sources", body, token)
            answer = {"started": started, "ended": time.monotonic(), "status": status, "headers": headers or {}}
            if status == 201:
                answer["id"] = json.loads(payload)["id"]
            elif status is None:
                answer["error"] = payload
            else:
                answer["body"] = payload.decode(errors="replace")[:300]
                time.sleep(0.05)
            with self.lock:
                self.answers.append(answer)

    def stop(self):
        self.running = False
        for thread in self.threads:
            thread.join()
        return self.answers


def wrong_answers(answers):
    """Every answer that is neither a 201 nor a 503 problem+json with Retry-After."""
    wrong = []
    for a in answers:
        if a["status"] == 201:
            continue
        headers = {k.lower(): v for k, v in a["headers"].items()}
        if (a["status"] == 503 and headers.get("content-type", "").startswith("application/problem+json")
                and "retry-after" in headers):
            continue
        wrong.append(a)
    return wrong


def failover_round(n, base, url, servers, token, binary, env, public_key):
    load = Load(servers, token, f"round{n}")
    time.sleep(3)
    killed = ha(base, "kill-primary")
    killed_at = time.monotonic()
    recovered_at = None
    while time.monotonic() - killed_at < 60:
        time.sleep(0.1)
        with load.lock:
            after = [a["ended"] for a in load.answers if a["status"] == 201 and a["started"] > killed_at]
        if after:
            recovered_at = min(after)
            break
    time.sleep(3)
    answers = load.stop()
    acknowledged = [a["id"] for a in answers if a["status"] == 201]
    ids = ",".join(f"'{i}'" for i in acknowledged)
    present = int(psql(url, f"SELECT count(*) FROM sources WHERE id IN ({ids})"))
    audited = int(psql(url, "SELECT count(DISTINCT entity_id) FROM audit_events "
                            f"WHERE entity_type = 'source' AND action = 'create' AND entity_id IN ({ids})"))
    # Reads through the server with a standby URL: the standby is the dead node now, so they
    # fall back to the new primary.
    reads = [(i, servers[1].call("GET", f"/sources/{i}", token=token)) for i in acknowledged[-20:]]
    unread = [(i, status, body[:200]) for i, (status, _, body) in reads if status != 200]
    unavailable = sum(1 for a in answers if a["status"] == 503)
    wrong = wrong_answers(answers)
    recovery = recovered_at - killed_at if recovered_at else None
    print(f"round {n}: killed the primary ({killed}); writes succeeded again after "
          f"{'never' if recovery is None else f'{recovery:.1f} s'}; {len(answers)} writes sent, "
          f"{len(acknowledged)} acknowledged, {present} present after failover, "
          f"{audited} with their audit event; {unavailable} answered 503; {len(wrong)} answered otherwise",
          flush=True)
    failures = []
    if recovery is None or recovery > RECOVERY_GOAL_S:
        failures.append(f"writes did not succeed again within {RECOVERY_GOAL_S} s")
    if present != len(acknowledged) or audited != len(acknowledged):
        failures.append(f"acknowledged writes lost: {len(acknowledged)} acknowledged, {present} present, "
                        f"{audited} audited")
    if unread:
        failures.append(f"acknowledged sources not readable through the server with a standby URL: {unread}")
    if wrong:
        failures.append(f"answers other than 201 or 503: {wrong[:3]}")
    # The log's sequencer, on whichever server holds its lock on the new primary, integrates
    # every event; then the whole tree is checked against the stored events.
    deadline = time.monotonic() + 60
    while psql(url, "SELECT count(*) FROM log_pending") != "0" and time.monotonic() < deadline:
        time.sleep(0.5)
    verify = subprocess.run([binary, "audit", "verify", "--public-key", public_key], env=env, text=True,
                            capture_output=True)
    if verify.returncode != 0:
        failures.append(f"attest audit verify: {verify.stdout}{verify.stderr}")
    else:
        print(f"round {n}: attest audit verify: {verify.stdout.strip().splitlines()[-1]}", flush=True)
    ha(base, "rejoin", killed.split()[0])
    print(f"round {n}: {killed.split()[0]} rejoined as the standby; primary now {ha(base, 'primary')}", flush=True)
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / "target" / "debug" / "attest"))
    parser.add_argument("--dir", default="/tmp/attest-failover")
    args = parser.parse_args()
    base = Path(args.dir)
    if base.exists():
        subprocess.run(["bash", str(HA), "-d", str(base), "destroy"], stdout=subprocess.DEVNULL)
    started = time.monotonic()
    url = ha(base, "start") + "&connect_timeout=2"
    print(f"cluster up in {time.monotonic() - started:.0f} s: {url}", flush=True)
    servers, failures = [], ["did not finish"]
    try:
        keys = base / "keys"
        printed = subprocess.run([args.binary, "log", "key", "--data-dir", str(keys)], check=True, text=True,
                                 capture_output=True).stdout
        public_key = printed.split("public key:")[1].strip()
        env = {"PATH": os.environ["PATH"], "DATABASE_URL": url,
               "ATTEST_JWT_KEYS": f"k1={secrets.token_hex(32)}",
               "ATTEST_LOG_KEY": (keys / "log-key").read_text().strip()}
        # The second server also reads from whichever node is the standby now (falling back to
        # the primary while there is none), as a deployment with a read replica would.
        standby = url.replace("target_session_attrs=read-write", "target_session_attrs=read-only")
        servers = [Server(args.binary, base, "a", env),
                   Server(args.binary, base, "b", {**env, "ATTEST_DATABASE_REPLICA_URLS": standby})]
        subprocess.run([args.binary, "user", "add", "--email", EMAIL, "--name", "Failover", "--role", "admin",
                        "--password-stdin"], input=PASSWORD + "\n", text=True, check=True, capture_output=True,
                       env={**env, "ATTEST_DATA_DIR": str(base / "a")})
        status, _, body = servers[0].call("POST", "/auth/token", {"email": EMAIL, "password": PASSWORD})
        if status != 200:
            sys.exit(f"sign-in: {status} {body}")
        token = json.loads(body)["access_token"]
        failures = []
        for n in (1, 2):
            failures += failover_round(n, base, url, servers, token, args.binary, env, public_key)
    finally:
        for server in servers:
            server.stop()
        if not failures:
            ha(base, "destroy")
            shutil.rmtree(base, ignore_errors=True)
        else:
            ha(base, "stop")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures) + f"\n(logs in {base})", file=sys.stderr)
        sys.exit(1)
    print("failover: nothing lost, both ways")


if __name__ == "__main__":
    main()
