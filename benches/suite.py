#!/usr/bin/env python3
"""The benchmark suite (issue: performance). One run, one machine, side by side with PostgreSQL.

Starts `attest serve` (release build) on a throwaway data directory with its own PostgreSQL,
fills it with the `generate` example, and measures over loopback:

  B1 read by id      GET /claims/{id} of 20,000 random claims, closed loop, against
                     `pgbench -S -M prepared` on the same cluster with the same client count; then
                     latency at a constant rate. The record cache's hits and misses are counted;
                     the same reads with `Attest-Lsn` (which skip the cache) show the database
                     path. Its ceiling: GET /healthz (no database, no token), the same way. Each
                     closed loop's CPU per request is split between the server, the load generator
                     and the rest of the box (PostgreSQL): what a read could reach if the server
                     cost nothing.
  B2 batch ingest    POST /claims/batch of 1,000 claims, against COPY of the same rows.
  B3 list page       a filtered, cursor-paged GET /claims at 10,000 and at 1,000,000 rows.
  B4 search          GET /search at 10,000 and at 1,000,000 quotes: two words from each of as
                     many quotes as the run sends requests; then the same searches one at a
                     time, their cost without queueing.
                     B3's and B4's two sizes are two databases of the cluster, each behind its
                     own server, measured in turn, twice: their growth is side by side.
  B5 review write    POST /claims/{id}/reviews with If-Match, each on a distinct item: closed
                     loop (wrk) for throughput, then latency at a constant rate. With a
                     transparency log, each run's integration delay: from an event's write to
                     its leaf, p50 and p99.
  L1 log proofs      the log grown to 1,000,000 events (written straight into the table), the
                     sequencer's pace integrating them, then GET /log/proof/inclusion of random
                     leaves at 500/s: p99.

Latency figures come from constant-rate runs measured from each request's intended start
(oha -q with --latency-correction, or the script's own scheduler for B5), so a slow answer
cannot hide the requests queued behind it. The server's resident memory is sampled every 50 ms.
It prints one table and writes the same as JSON (--out), so two runs can be compared.

B1, B3, B4 and B5 run --rounds times (default 3): each figure is the median of the rounds,
shown with its spread, so one noisy round cannot pass or fail a goal.

Usage: benches/suite.py [--scale 1.0] [--clients 16] [--seconds 20] [--rounds 3] [--out FILE]
                        [--profile benches/profiles]
"""

import argparse
import asyncio
import http.client
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "attest"
GENERATE_COMMAND = [str(ROOT / "target" / "release" / "examples" / "generate")]
EMAIL, PASSWORD = "bench@bench.example", "bench passphrase 12345"


# The default workspace's id (migration 2026-12-02-100010_workspaces).
DEFAULT_WORKSPACE = "00000000-0000-7000-8000-000000000001"


def sh(*args, **kwargs):
    done = subprocess.run(args, text=True, capture_output=True, **kwargs)
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def ensure_tools(profile):
    """wrk and pgbench (and perf, to profile) from Debian, oha (and inferno, to profile) from
    crates.io: installed when missing."""
    debian = [("wrk", "wrk"), ("postgresql-contrib", "pgbench")] + [("linux-perf", "perf")] * profile
    missing = [package for package, tool in debian if not shutil.which(tool)]
    if missing:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True)
    if not shutil.which("oha"):
        subprocess.run(["cargo", "install", "oha", "--locked", "--version", "1.16.0"], check=True)
    if profile and not shutil.which("inferno-collapse-perf"):
        subprocess.run(["cargo", "install", "inferno", "--locked"], check=True)


# Row-level security off on every table that has it: the same server and queries, no policies.
DISABLE_RLS = """DO $$
DECLARE t regclass;
BEGIN
    FOR t IN SELECT oid FROM pg_class WHERE relrowsecurity AND relnamespace = 'public'::regnamespace LOOP
        EXECUTE format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END $$"""


class Server:
    """`attest serve` on `work`: its own PostgreSQL, or the database `database` of another
    Server's cluster."""

    def __init__(self, work: Path, port: int, cluster=None, database="attest"):
        self.work, self.port, self.database = work, port, database
        self.base = f"http://127.0.0.1:{port}"
        self.socket_dir = cluster.socket_dir if cluster else str(work / "pgdata")
        self.db_args = ["--data-dir", work]
        if cluster:
            cluster.psql(f"CREATE DATABASE {database}", "postgres")
            self.db_args += ["--database-url", f"postgresql://attest@/{database}?host={self.socket_dir}"]
        # The server as shipped: its default log level writes an access-log line per request.
        self.env = dict(os.environ)
        self.env.pop("DATABASE_URL", None)
        self.env.pop("ATTEST_LOG", None)
        self.log = open(work / "serve.log", "w")
        self.start()
        add = subprocess.run(
            [BIN, "user", "add", *self.db_args, "--email", EMAIL, "--name", "Bench", "--role", "admin",
             "--password-stdin"], input=PASSWORD + "\n", text=True, capture_output=True, env=self.env)
        if add.returncode != 0:
            sys.exit(add.stderr)
        self.sign_in()

    def start(self):
        self.process = subprocess.Popen(
            [BIN, "serve", *self.db_args, "--bind", f"127.0.0.1:{self.port}"], env=self.env, stderr=self.log
        )
        for _ in range(600):
            try:
                urllib.request.urlopen(self.base + "/readyz", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        else:
            sys.exit("attest serve did not become ready; see " + str(self.work / "serve.log"))

    def restart(self):
        """The same server again, on the same data: all its connections new."""
        self.stop()
        self.start()
        self.sign_in()

    def sign_in(self):
        self.token = None
        self.token = self.call("POST", "/auth/token", {"email": EMAIL, "password": PASSWORD})["access_token"]

    def call(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("content-type", "application/json")
        if getattr(self, "token", None):
            request.add_header("authorization", "Bearer " + self.token)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")

    def psql(self, sql, database=None):
        """`sql`, or each of a list of statements in its own transaction, as the tables' owner."""
        # Rows written as the tables' owner (B2's COPY) belong to the default workspace.
        env = {**os.environ, "PGOPTIONS": f"-c attest.workspace={DEFAULT_WORKSPACE}"}
        statements = [sql] if isinstance(sql, str) else sql
        return sh("psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", self.socket_dir, "-U", "attest",
                  "-d", database or self.database, *(arg for statement in statements for arg in ("-c", statement)),
                  env=env)

    def stop(self):
        self.process.send_signal(2)
        self.process.wait(timeout=120)


class Memory:
    """Samples the server's VmRSS every 50 ms; `peak()` since the last `reset()`."""

    def __init__(self, pid):
        self.pid, self.current_peak, self.overall_peak = pid, 0, 0
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                text = Path(f"/proc/{self.pid}/status").read_text()
            except OSError:
                return
            found = re.search(r"VmRSS:\s+(\d+)", text)
            if not found:  # the server is exiting
                return
            kib = int(found.group(1))
            self.current_peak = max(self.current_peak, kib)
            self.overall_peak = max(self.overall_peak, kib)
            time.sleep(0.05)

    def reset(self):
        self.current_peak = 0

    def peak_mib(self):
        return round(self.current_peak / 1024, 1)


def oha(urls_file, token, seconds, clients, rate=None, method="GET", body=None, headers=()):
    args = ["oha", "--no-tui", "--output-format", "json", "-z", f"{seconds}s", "-c", str(clients),
            "--urls-from-file", urls_file, "-H", f"Authorization: Bearer {token}"]
    for header in headers:
        args += ["-H", header]
    if rate:
        args += ["-q", str(rate), "--latency-correction"]
    if body:
        args += ["-m", method, "-D", body, "-H", "Content-Type: application/json"]
    result = json.loads(sh(*args))
    latency = result.get("latencyPercentiles", {})
    statuses = result.get("statusCodeDistribution", {})
    return {
        "rps": round(result["summary"]["requestsPerSec"], 1),
        "p50_ms": ms(latency.get("p50")),
        "p99_ms": ms(latency.get("p99")),
        "p99_9_ms": ms(latency.get("p99.9")),
        "statuses": statuses,
        "errors": result.get("errorDistribution", {}),
    }


class Waits:
    """What PostgreSQL's active sessions were doing while a run went on: pg_stat_activity
    sampled every 20 ms, each active client session counted by its wait event (`CPU` when it
    waits on nothing). The share of each over the run's samples says what a tail is made of."""

    def __init__(self, server):
        # A lock wait names its table and the kind of session holding it ("by autovacuum
        # worker"): which table's lock makes a tail, and whose.
        query = ("SELECT coalesce(a.wait_event_type || ':' || a.wait_event || CASE WHEN a.wait_event_type = 'Lock' "
                 "THEN coalesce(' on ' || (SELECT l.relation::regclass::text FROM pg_locks l WHERE l.pid = a.pid "
                 "AND NOT l.granted AND l.relation IS NOT NULL LIMIT 1), '') || coalesce(' by ' || (SELECT "
                 "string_agg(DISTINCT b.backend_type, ',') FROM pg_stat_activity b WHERE b.pid = "
                 "ANY(pg_blocking_pids(a.pid))), '') ELSE '' END, 'CPU') FROM pg_stat_activity a "
                 "WHERE a.state = 'active' AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid() "
                 "\\watch 0.02\n")
        self.process = subprocess.Popen(["psql", "-X", "-At", "-h", server.socket_dir, "-U", "attest", "-d",
                                         server.database], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        self.process.stdin.write(query)
        self.process.stdin.flush()

    def stop(self):
        self.process.terminate()
        out, _ = self.process.communicate(timeout=10)
        counts = {}
        for line in out.split("\n"):
            if line.strip():
                counts[line.strip()] = counts.get(line.strip(), 0) + 1
        total = sum(counts.values()) or 1
        return {k: round(v / total, 3) for k, v in sorted(counts.items(), key=lambda kv: -kv[1])[:8]}


def with_waits(server, measure):
    """`measure()`, with what PostgreSQL waited on meanwhile (see `Waits`) in its result."""
    waits = Waits(server)
    result = measure()
    result["pg_waits"] = waits.stop()
    return result


class Cpu:
    """The box's CPU time while a closed-loop run goes, per request, in µs, split three ways: the
    server's process, the load generator (this script's children: oha or pgbench) and the rest of
    the box (PostgreSQL's backends, mostly). On a box whose cores are all busy, these say what
    each side of a read costs, and so what the ratio could be if one of them cost nothing."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pid):
        self.server_pid = server_pid

    def process(self):
        fields = Path(f"/proc/{self.server_pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.TICK

    def busy(self):
        times = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return (sum(times) - times[3] - times[4]) / self.TICK

    @staticmethod
    def children():
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def per_request(self, measure, requests):
        """Runs `measure`; `requests(result)` is how many requests it answered."""
        before = self.process(), self.children(), self.busy()
        result = measure()
        server, generator, busy = (now - then for now, then in zip((self.process(), self.children(), self.busy()),
                                                                   before))
        count = requests(result)
        return result, {"server": round(server / count * 1e6, 1), "load generator": round(generator / count * 1e6, 1),
                        "rest (PostgreSQL)": round((busy - server - generator) / count * 1e6, 1)}


def counts(server, *names):
    """Counters from /metrics, as they stand; a name this build does not have counts 0."""
    with urllib.request.urlopen(server.base + "/metrics") as response:
        text = response.read().decode()
    found = lambda name: re.search(rf"^{name} (\S+)$", text, re.M)
    return [int(float(match.group(1))) if (match := found(name)) else 0 for name in names]


def record_cache_counts(server):
    """The record cache's (hits, misses) so far."""
    return counts(server, "attest_record_cache_hits_total", "attest_record_cache_misses_total")


def gathered_read_counts(server):
    """The gathered reads' (statements, reads) so far."""
    return counts(server, "attest_gathered_read_statements_total", "attest_gathered_reads_total")


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 2)


def write_urls(path, urls):
    Path(path).write_text("".join(u + "\n" for u in urls))
    return path


def list_urls(server):
    """Filtered, cursor-paged claim lists: common metrics and verdicts, pages 1 to 5."""
    urls = []
    for query in ["metric=inflation", "metric=deaths", "metric=turnout", "status=verified",
                  "status=misleading", "qualifier=range", "metric=emissions&status=false"]:
        path = f"/claims?{query}&limit=50"
        for _ in range(5):
            urls.append(server.base + path)
            page = server.call("GET", path)
            if not page.get("next_cursor"):
                break
            path = f"/claims?{query}&limit=50&cursor={page['next_cursor']}"
    return urls


def search_urls(server, count):
    """Two words from each of `count` stored quotes (so as skewed as the corpus): common and rare pairs.

    At 10,000 quotes the p99 sits where the searches that rank the most candidates begin (about
    1% of them): 500 quotes made it 5 searches, and it swung from 3.7 to 7.8 ms with the sample.
    One quote per request of the run makes it about 20, drawn from the whole table.
    """
    # md5 of the id: a fixed pseudo-random order over every quote, oldest and newest alike.
    texts = server.psql(f"SELECT text FROM quotes ORDER BY md5(id::text) LIMIT {count}").splitlines()
    pick = random.Random(7)
    urls = []
    for text in texts:
        words = text.split()
        a, b = pick.choice(words), pick.choice(words)
        urls.append(f"{server.base}/search?type=quote&limit=20&q={a}+{b}")
    return urls


def one_at_a_time(urls, token):
    """Each URL once to warm, then once timed, one request at a time on one connection: the
    searches' own cost, without the queueing of a loaded run."""
    base = urllib.parse.urlsplit(urls[0])
    connection = http.client.HTTPConnection(base.hostname, base.port, timeout=60)

    def timed(url):
        started = time.perf_counter()
        connection.request("GET", url[len(f"{base.scheme}://{base.netloc}"):],
                           headers={"Authorization": "Bearer " + token})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            sys.exit(f"{url}: {response.status}")
        return time.perf_counter() - started

    for url in urls:
        timed(url)
    return latency_figures([timed(url) for url in urls])


def latency_figures(latencies):
    """The request count and p50, p99 and p99.9 in ms of `latencies` (seconds)."""
    latencies = sorted(latencies)
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 2)
    return {"requests": len(latencies), "p50_ms": pick(0.5), "p99_ms": pick(0.99), "p99_9_ms": pick(0.999)}


def pgbench(server, clients, seconds):
    if not server.psql("SELECT 1 FROM pg_database WHERE datname = 'pgbench'", "postgres").strip():
        server.psql("CREATE DATABASE pgbench", "postgres")
        sh("pgbench", "-i", "-q", "-s", "10", "-h", server.socket_dir, "-U", "attest", "pgbench")
    out = sh("pgbench", "-S", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(seconds), "-h",
             server.socket_dir, "-U", "attest", "pgbench")
    return float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out).group(1))


CLAIM_COLUMNS = ("id, source_id, claimant_id, statement, metric, qualifier, value, lower_bound, upper_bound, "
                 "unit, as_of, period_start, period_end, place, anchor_prefix, anchor_exact, anchor_suffix, "
                 "anchor_start, anchor_end, version, created_at, updated_at, deleted_at, created_by, status, "
                 "assignee_id, language, reviewed_at")


def pgbench_claim_query(server, ids, clients, seconds):
    """pgbench running the query `GET /claims/{id}` runs, on the same ids: PostgreSQL's own limit
    for this read (one extra primary-key lookup picks the id)."""
    server.psql("DROP TABLE IF EXISTS bench_ids; CREATE TABLE bench_ids (n int PRIMARY KEY, id uuid NOT NULL)")
    ids_path = Path(server.work) / "bench-ids.csv"
    ids_path.write_text("".join(f"{n},{claim}\n" for n, claim in enumerate(ids, 1)))
    server.psql(f"\\copy bench_ids FROM '{ids_path}' CSV")
    script = Path(server.work) / "claim.sql"
    columns = ", ".join("c." + column for column in CLAIM_COLUMNS.split(", "))
    script.write_text(f"\\set n random(1, {len(ids)})\n"
                      f"SELECT {columns} FROM claims c JOIN bench_ids b ON c.id = b.id "
                      f"WHERE b.n = :n AND c.deleted_at IS NULL LIMIT 1;\n")
    try:
        out = sh("pgbench", "-n", "-f", str(script), "-M", "prepared", "-c", str(clients), "-j", "2", "-T",
                 str(seconds), "-h", server.socket_dir, "-U", "attest", "attest")
    finally:
        server.psql("DROP TABLE bench_ids")
    return float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out).group(1))


def batch_body(server, path, rows=1000):
    sources = server.psql("SELECT id FROM sources ORDER BY random() LIMIT 50").split()
    items = [{
        "source_id": sources[i % len(sources)],
        "statement": f"The ministry said {i * 37 % 9973} people were displaced in the region by the floods.",
        "metric": "displaced people",
        "qualifier": "approximately" if i % 4 == 0 else "exact",
        "value": str(i * 37 % 9973),
        "unit": "people",
        "as_of": "2026-11-20",
        "language": "en",
    } for i in range(rows)]
    Path(path).write_text(json.dumps({"items": items}))
    return items


def copy_rate(server, items, repeat):
    """COPY of the same rows, `repeat` times over, each time with its own statements (one
    record per thing said: the same claim twice is refused): rows per second."""
    csv_path = Path(server.work) / "claims.csv"
    with open(csv_path, "w") as out:
        for n in range(repeat):
            for item in items:
                statement = f"{item['statement']} (copy {n})"
                out.write(",".join([str(uuid.uuid4()), item["source_id"], '"' + statement + '"',
                                    item["metric"], item["qualifier"], item["value"], item["unit"],
                                    item["as_of"], item["language"]]) + "\n")
    os.chmod(server.work, 0o755)
    os.chmod(csv_path, 0o644)
    started = time.monotonic()
    server.psql(f"\\copy claims (id, source_id, statement, metric, qualifier, value, unit, as_of, language) "
                f"FROM '{csv_path}' CSV")
    return len(items) * repeat / (time.monotonic() - started)


def wrk_reviews(server, ids, clients, seconds):
    """Closed loop: every thread walks its own slice of unreviewed claims, once each."""
    script = Path(server.work) / "reviews.lua"
    ids_file = Path(server.work) / "review-ids.txt"
    ids_file.write_text("\n".join(ids) + "\n")
    script.write_text(f"""
local ids, counter, threads = {{}}, 0, {{}}
for line in io.lines("{ids_file}") do ids[#ids + 1] = line end
function setup(thread) counter = counter + 1; thread:set("offset", counter); table.insert(threads, thread) end
function init(args) n = 0 end
function request()
  local i = offset + n * 2
  n = n + 1
  -- A thread whose claims are all reviewed stops (its last request repeats one: a 412, counted).
  if ids[i] == nil then wrk.thread:stop(); i = offset end
  return wrk.format("POST", "/claims/" .. ids[i] .. "/reviews",
    {{["Authorization"] = "Bearer {server.token}", ["Content-Type"] = "application/json", ["If-Match"] = '"1"'}},
    '{{"status":"verified","rationale":"Matches the statistics office release."}}')
end
function response(status) if status ~= 201 and status ~= 200 then bad = (bad or 0) + 1 end end
function done(summary, latency, requests)
  io.write(string.format("JSON {{\\"requests\\":%d,\\"p50\\":%d,\\"p99\\":%d,\\"p999\\":%d,\\"non2xx\\":%d}}\\n",
    summary.requests, latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    summary.errors.status))
end
""")
    out = sh("wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "-s", str(script), server.base)
    data = json.loads(re.search(r"JSON (.*)", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"rps": rps, "p50_ms": data["p50"] / 1000, "p99_ms": data["p99"] / 1000,
            "p99_9_ms": data["p999"] / 1000, "requests": data["requests"], "non_2xx": data["non2xx"]}


async def constant_rate_reviews(server, ids, rate, seconds, connections=16):
    """Reviews sent on a fixed schedule; latency counts from each request's scheduled time."""
    host, port = "127.0.0.1", server.port
    schedule = asyncio.Queue()
    latencies, failures = [], 0
    start = time.monotonic() + 0.2
    for i, item in enumerate(ids[: int(rate * seconds)]):
        schedule.put_nowait((start + i / rate, item))

    async def worker():
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, port)
        while not schedule.empty():
            due, item = schedule.get_nowait()
            await asyncio.sleep(max(0, due - time.monotonic()))
            body = b'{"status":"verified","rationale":"Matches the statistics office release."}'
            writer.write(
                f"POST /claims/{item}/reviews HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {server.token}\r\n"
                f"Content-Type: application/json\r\nIf-Match: \"1\"\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
            await reader.readexactly(length)
            latencies.append(time.monotonic() - due)
            if not head.startswith(b"HTTP/1.1 201"):
                failures += 1
        writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return {"rate": rate, **latency_figures(latencies), "non_2xx": failures}


def table(results):
    lines = [f"{'benchmark':<34} {'figure':>14} {'p50 ms':>9} {'p99 ms':>9} {'p99.9 ms':>9} {'RSS MiB':>8}"]
    for name, r in results.items():
        figure = r.get("figure", "")
        lines.append(f"{name:<34} {figure:>14} {fmt(r.get('p50_ms')):>9} {fmt(r.get('p99_ms')):>9} "
                     f"{fmt(r.get('p99_9_ms')):>9} {fmt(r.get('rss_peak_mib')):>8}")
    return "\n".join(lines)


def fmt(value):
    return "" if value is None else f"{value:g}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 quotes and claims")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rate", type=int, default=100, help="requests/s of the B3 and B4 latency runs")
    parser.add_argument("--out", default=str(ROOT / "target" / "bench-results.json"))
    parser.add_argument("--port", type=int, default=18181)
    parser.add_argument("--binary", help="the server to measure (default: build and use this tree's release binary)")
    parser.add_argument("--generate", help="the command that fills a database, as words (default: this tree's "
                        "generate example); it gets the database options and --scale")
    parser.add_argument("--only", default="B1,B2,B3,B4,B5,L1", help="the benchmarks to run, comma-separated")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of B1, B3, B4 and B5: each figure is their median, with the spread")
    parser.add_argument("--profile", metavar="DIR",
                        help="after the rounds, record B1's reads from the database with perf and write "
                             "DIR/b1-database.svg (a flame graph; needs a build with line tables, "
                             "cargo build --profile profiling)")
    parser.add_argument("--without-rls", action="store_true",
                        help="turn row-level security off on every table first: its cost, measured against a run with it")
    args = parser.parse_args()
    only = set(args.only.split(","))

    global BIN, GENERATE_COMMAND
    ensure_tools(bool(args.profile))
    if args.binary:
        BIN = Path(args.binary)
    else:
        subprocess.run(["cargo", "build", "--release", "-q", "--bin", "attest", "--example", "generate"], cwd=ROOT,
                       check=True)
    if args.generate:
        GENERATE_COMMAND = args.generate.split()
    work = Path(tempfile.mkdtemp(prefix="attest-suite-", dir="/tmp"))
    os.chmod(work, 0o755)
    server = Server(work, args.port)
    memory = Memory(server.process.pid)
    results, t, c = {}, args.seconds, args.clients

    def run(name, measure, sampled=None, **extra):
        sampled = sampled or memory
        sampled.reset()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        result = measure()
        result.update(extra, rss_peak_mib=sampled.peak_mib())
        results[name] = result
        return result

    def generate(target, scale):
        started = time.monotonic()
        sh(*GENERATE_COMMAND, *target.db_args, "--scale", str(scale))
        counts = target.psql("SELECT (SELECT count(*) FROM quotes), (SELECT count(*) FROM claims), "
                             "(SELECT count(*) FROM sources), (SELECT count(*) FROM speakers), "
                             "(SELECT count(*) FROM reviews)").strip().split("|")
        print(f"generated to scale {scale} in {time.monotonic() - started:.0f} s: quotes, claims, sources, "
              f"speakers, reviews = {counts}", file=sys.stderr, flush=True)
        return counts

    small_server = None
    try:
        # B3 and B4 compare 1/100 of the rows with all of them side by side: a second server on
        # a second database of the same cluster holds the small set, and the two sizes are
        # measured in turn, twice, so a box that slows meanwhile slows both.
        (work / "small").mkdir()
        small_server = Server(work / "small", args.port + 1, cluster=server, database="attest_small")
        if args.without_rls:
            for target in (server, small_server):
                target.psql(DISABLE_RLS)
        small_memory = Memory(small_server.process.pid)
        small = generate(small_server, args.scale / 100)
        large = generate(server, args.scale)
        # What the loads left dirty in shared_buffers is written now, not by the checkpointer
        # during the measurements.
        started = time.monotonic()
        server.psql("CHECKPOINT")
        print(f"checkpoint after the loads: {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
        sizes = []
        for target, sampled, counts, label in ((small_server, small_memory, small, "small"),
                                               (server, memory, large, "large")):
            lists = write_urls(work / f"lists-{label}.txt", list_urls(target))
            searches = search_urls(target, args.rate * t)
            sizes.append((target, sampled, counts, lists, searches, write_urls(work / f"search-{label}.txt", searches)))
        rounds = {key: ([], []) for key in ("B3", "B4") if key in only}
        for n in range(1, args.rounds + 1):
            for size, (target, sampled, counts, lists, _, searches_file) in enumerate(sizes):
                if "B3" in only:
                    rounds["B3"][size].append(run(f"B3 list page @{counts[1]} claims, round {n}", lambda: with_waits(
                        target, lambda: oha(lists, target.token, t, 8, args.rate)), sampled))
                if "B4" in only:
                    rounds["B4"][size].append(run(f"B4 search @{counts[0]} quotes, round {n}", lambda: with_waits(
                        target, lambda: oha(searches_file, target.token, t, 8, args.rate)), sampled))
        alone = [run(f"B4 one at a time @{counts[0]}", lambda: one_at_a_time(searches, target.token), sampled)
                 for target, sampled, counts, _, searches, _ in sizes if "B4" in only]
        small_server.stop()
        small_server = None
        for key, (small_runs, large_runs) in rounds.items():
            # The growth of each round, side by side; the figure is the worse round's.
            growth = [large_r["p99_ms"] / small_r["p99_ms"] for small_r, large_r in zip(small_runs, large_runs)]
            for small_r, large_r, g in zip(small_runs, large_runs, growth):
                small_r["figure"] = f"{small_r['rps']:g} rps"
                large_r["figure"] = f"x{g:.2f} p99"
            results[f"{key} p99 growth, worse round"] = {"figure": f"x{max(growth):.2f} p99",
                                                         "growth": [round(g, 2) for g in growth]}
            results[f"{key} p99 growth, median"] = spread(growth, "x{:.2f} p99")
        if alone:
            alone[0]["figure"] = f"{alone[0]['requests']} searches"
            alone[1]["figure"] = f"x{alone[1]['p99_ms'] / alone[0]['p99_ms']:.2f} p99"
        if "B1" in only:
            results.update(read_by_id(server, work, run, t, c, args.rounds, args.profile))
        if "B2" in only:
            batch_ingest(server, work, run, t)
        if "B5" in only:
            results.update(review_writes(server, run, t, c, args.rounds))
        if "L1" in only and has_log(server):
            log_proofs(server, work, run, t)
    finally:
        if small_server:
            small_server.stop()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    report(args, results, memory)


def spread(values, form):
    """The median of `values` and their spread: a summary row of the table."""
    return {"figure": f"{form.format(statistics.median(values))} ({form.format(min(values))}-{form.format(max(values))})",
            "median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3), "rounds": [round(v, 3) for v in values]}


def read_by_id(server, work, run, t, c, rounds, profile):
    """B1: reads by id through the record cache, past it, and HTTP alone, against pgbench,
    `rounds` times; the ratios' medians."""
    ids = server.psql("SELECT id FROM claims ORDER BY random() LIMIT 20000").split()
    by_id = write_urls(work / "claims.txt", [f"{server.base}/claims/{i}" for i in ids])
    healthz = write_urls(work / "healthz.txt", [server.base + "/healthz"])
    ratios = {"cached": [], "database": [], "ceiling": [], "claim query": [], "half-rate p99/p50": [],
              "database if the server cost nothing": []}
    cpu = Cpu(server.process.pid)
    costs = {"pgbench -S": [], "cached": [], "database": [], "healthz": []}

    def closed_loop(kind, measure):
        result, cost = cpu.per_request(measure, lambda r: r["rps"] * t)
        costs[kind].append(cost)
        result["cpu_us_per_request"] = cost
        return result

    for n in range(1, rounds + 1):
        tps, cost = cpu.per_request(lambda: pgbench(server, c, t), lambda tps: tps * t)
        costs["pgbench -S"].append(cost)
        hits_before, misses_before = record_cache_counts(server)
        b1 = run(f"B1 read by id (closed loop), round {n}", lambda: closed_loop("cached", lambda: oha(by_id, server.token, t, c)))
        hits, misses = (now - before for now, before in zip(record_cache_counts(server), (hits_before, misses_before)))
        own_tps = pgbench_claim_query(server, ids, c, t)
        b1.update(pgbench_tps=tps, ratio=round(b1["rps"] / tps, 3), figure=f"{b1['rps'] / tps:.2f} x pgbench",
                  pgbench_claim_query_tps=own_tps, ratio_to_claim_query=round(b1["rps"] / own_tps, 3),
                  record_cache_hits=hits, record_cache_misses=misses)
        # The same reads past the record cache: a read carrying Attest-Lsn always asks PostgreSQL.
        gathered_before = gathered_read_counts(server)
        uncached = run(f"B1 read by id, from the database, round {n}", lambda: closed_loop("database", lambda: oha(
            by_id, server.token, t, c, headers=["Attest-Lsn: 0/0"])))
        statements, reads = (now - before for now, before in zip(gathered_read_counts(server), gathered_before))
        uncached.update(ratio=round(uncached["rps"] / tps, 3), figure=f"{uncached['rps'] / tps:.2f} x pgbench",
                        reads_per_statement=round(reads / statements, 2) if statements else None)
        # What HTTP alone reaches on this box: no database, no token, the same load generator.
        ceiling = run(f"B1 ceiling: GET /healthz, round {n}",
                      lambda: closed_loop("healthz", lambda: oha(healthz, server.token, t, c)))
        ceiling.update(ratio=round(ceiling["rps"] / tps, 3), figure=f"{ceiling['rps'] / tps:.2f} x pgbench")
        b1_rate = max(10, int(b1["rps"] / 2))
        half = run(f"B1 read by id @{b1_rate}/s, round {n}", lambda: oha(by_id, server.token, t, c, b1_rate),
                   figure=f"{b1_rate} rps")
        ratios["cached"].append(b1["ratio"])
        ratios["database"].append(uncached["ratio"])
        ratios["ceiling"].append(ceiling["ratio"])
        ratios["claim query"].append(own_tps / tps)
        ratios["half-rate p99/p50"].append(half["p99_ms"] / half["p50_ms"])
        # Both runs had the box to themselves: a pgbench transaction's whole CPU against what a
        # read from the database leaves to the box when the server's own share is taken away.
        read = costs["database"][-1]
        ratios["database if the server cost nothing"].append(
            sum(costs["pgbench -S"][-1].values()) / (read["load generator"] + read["rest (PostgreSQL)"]))
    results = {
        "B1 cached / pgbench -S, median": spread(ratios["cached"], "{:.2f}"),
        "B1 from the database / pgbench -S, median": spread(ratios["database"], "{:.2f}"),
        "B1 ceiling / pgbench -S, median": spread(ratios["ceiling"], "{:.2f}"),
        "B1 claim query in pgbench / pgbench -S, median": spread(ratios["claim query"], "{:.2f}"),
        "B1 from the database if the server cost nothing / pgbench -S, median":
            spread(ratios["database if the server cost nothing"], "{:.2f}"),
    }
    for kind, per_round in costs.items():
        own, generator, rest = (statistics.median(cost[part] for cost in per_round) for part in per_round[0])
        results[f"B1 CPU µs per request, {kind}"] = {
            "figure": f"{own:.1f}, {generator:.1f}, {rest:.1f}", "server_us": own,
            "load_generator_us": generator, "rest_us": rest, "rounds": per_round}
    if profile:
        flame_graph(server, Path(profile) / "b1-database.svg", t, lambda: oha(
            by_id, server.token, t, c, headers=["Attest-Lsn: 0/0"]))
    return results


def without_generics(folded):
    """Folded stacks with each frame's generic arguments left out (`f<T, U>::g` is `f::g`; a
    qualified path such as `<S as Trait>::m` stays), the stacks that become the same merged: the
    graph reads by function, not by type."""
    merged = {}
    for line in folded.splitlines():
        stack, _, count = line.rpartition(" ")
        opened, kept = [], []  # per open bracket: whether it starts generic arguments (dropped)
        for ch in stack:
            dropping = any(opened)
            if ch == "<":
                opened.append(dropping or bool(kept) and (kept[-1].isalnum() or kept[-1] in "_}"))
                if opened[-1]:
                    continue
            elif ch == ">" and opened:
                if opened.pop():
                    continue
            elif dropping:
                continue
            kept.append(ch)
        key = "".join(kept)
        merged[key] = merged.get(key, 0) + int(count)
    return "".join(f"{stack} {count}\n" for stack, count in merged.items())


def flame_graph(server, svg, seconds, load):
    """perf samples of the server's threads (with DWARF call graphs) while `load` runs, folded
    by inferno into a flame graph."""
    data = Path(server.work) / "perf.data"
    recorder = subprocess.Popen(["perf", "record", "-q", "-F", "499", "--call-graph", "dwarf,16384", "-p",
                                 str(server.process.pid), "-o", str(data), "--", "sleep", str(seconds)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    load()
    recorder.wait()
    # Without inlined frames: addr2line on each of them takes minutes, and the symbols of the
    # functions they were inlined into still place every sample.
    stacks = sh("perf", "script", "--no-inline", "-i", str(data))
    folded = subprocess.run(["inferno-collapse-perf"], input=stacks, text=True, capture_output=True, check=True).stdout
    svg.parent.mkdir(parents=True, exist_ok=True)
    by_function = without_generics(folded)
    # The folded stacks too, beside the graph: they can be searched and summed.
    svg.with_suffix(".folded").write_text(by_function)
    svg.write_text(subprocess.run(["inferno-flamegraph", "--title", svg.stem, "--width", "1600", "--minwidth", "0.2"],
                                  input=by_function, text=True, capture_output=True, check=True).stdout)
    print(f"flame graph: {svg}", file=sys.stderr, flush=True)


def wrk_batches(server, items, clients, seconds):
    """Closed loop of POST /claims/batch, each request 1,000 new claims: the batch's
    statements carry the thread and request number, so no claim repeats one stored."""
    script = Path(server.work) / "batches.lua"
    template = json.dumps({"items": items}).replace("people were displaced", "people were displaced @@")
    (Path(server.work) / "batch-template.json").write_text(template)
    script.write_text(f"""
local template = io.open("{server.work}/batch-template.json"):read("*a")
local counter = 0
function setup(thread) counter = counter + 1; thread:set("id", counter) end
function init(args) n = 0 end
function request()
  n = n + 1
  local body = template:gsub("@@", "(" .. id .. "." .. n .. ")")
  return wrk.format("POST", "/claims/batch",
    {{["Authorization"] = "Bearer {server.token}", ["Content-Type"] = "application/json"}}, body)
end
function done(summary, latency, requests)
  io.write(string.format("JSON {{\\"requests\\":%d,\\"p50\\":%d,\\"p99\\":%d,\\"non2xx\\":%d}}\\n",
    summary.requests, latency:percentile(50), latency:percentile(99), summary.errors.status))
end
""")
    out = sh("wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "-s", str(script), server.base)
    data = json.loads(re.search(r"JSON (.*)", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"rps": rps, "p50_ms": data["p50"] / 1000, "p99_ms": data["p99"] / 1000,
            "requests": data["requests"], "non_2xx": data["non2xx"]}


def batch_ingest(server, work, run, t):
    """B2: batches of 1,000 new claims against COPY of as many rows."""
    items = batch_body(server, work / "batch.json")
    b2 = run("B2 batch ingest (1000/request)", lambda: wrk_batches(server, items, 2, t))
    b2["claims_per_s"] = (b2["rps"] - b2["non_2xx"] / t) * 1000
    b2["copy_rows_per_s"] = round(copy_rate(server, items, 100))
    b2["ratio"] = round(b2["claims_per_s"] / b2["copy_rows_per_s"], 3)
    b2["figure"] = f"{b2['ratio']:.2f} x COPY"


def review_writes(server, run, t, c, rounds):
    """B5: review writes, closed loop, then at half that rate, `rounds` times, each on claims
    not reviewed before; with a transparency log, how long its events waited to be integrated."""
    unreviewed = server.psql("SELECT id FROM claims WHERE status = 'unreviewed' AND version = 1 "
                             f"ORDER BY random() LIMIT {100000 * rounds}").split()
    share = len(unreviewed) // (2 * rounds)
    logged = has_log(server)
    tails = []
    for n in range(1, rounds + 1):
        closed, paced = (unreviewed[share * (2 * n - k):share * (2 * n - k + 1)] for k in (2, 1))
        since = server.psql("SELECT clock_timestamp()").strip()
        b5 = run(f"B5 review write (closed loop), round {n}", lambda: wrk_reviews(server, closed, c, t))
        b5["figure"] = f"{b5['rps']:g} rps"
        if logged:
            run(f"B5 log integration delay (closed loop), round {n}", lambda: integration_delay(server, since))
        b5_rate = max(10, int(b5["rps"] / 2))
        since = server.psql("SELECT clock_timestamp()").strip()
        half = run(f"B5 review write @{b5_rate}/s, round {n}",
                   lambda: with_waits(server, lambda: asyncio.run(constant_rate_reviews(server, paced, b5_rate, t))),
                   figure=f"{b5_rate} rps")
        tails.append(half["p99_ms"] / half["p50_ms"])
        if logged:
            run(f"B5 log integration delay @{b5_rate}/s, round {n}", lambda: integration_delay(server, since))
    return {"B5 half rate p99 / p50, median": spread(tails, "{:.1f}")}


def has_log(server):
    return server.psql("SELECT to_regclass('log_leaves') IS NOT NULL").strip() == "t"


def integration_delay(server, since):
    """From each event's write to its leaf: the events written since `since`, once the
    sequencer has caught up."""
    for _ in range(600):
        if server.psql("SELECT count(*) FROM log_pending").strip() == "0":
            break
        time.sleep(0.1)
    row = server.psql(
        "SELECT count(*), percentile_cont(ARRAY[0.5, 0.99, 1.0]) WITHIN GROUP (ORDER BY "
        "extract(epoch FROM l.integrated_at - e.occurred_at)) FROM log_leaves l JOIN audit_events e "
        f"ON e.seq = l.event_seq WHERE e.occurred_at >= '{since}'").strip()
    count, percentiles = row.split("|")
    p50, p99, worst = (float(x) for x in percentiles.strip("{}").split(","))
    return {"events": int(count), "p50_ms": ms(p50), "p99_ms": ms(p99), "max_ms": ms(worst),
            "figure": f"p99 {ms(p99)} ms"}


def log_proofs(server, work, run, t, events=1_000_000):
    """L1: the log grown to `events` events (written straight into the table, as many writers
    would), the sequencer's pace integrating them, then inclusion proofs of random leaves at a
    constant rate."""
    have = int(server.psql("SELECT count(*) FROM audit_events"))
    started = time.monotonic()
    server.psql("INSERT INTO audit_events (id, occurred_at, action, entity_type, entity_id, after, workspace_id) "
                "SELECT gen_random_uuid(), clock_timestamp(), 'create', 'claim', gen_random_uuid(), "
                f"jsonb_build_object('n', g), '{DEFAULT_WORKSPACE}' FROM generate_series(1, {max(0, events - have)}) g")
    written = time.monotonic()
    while server.psql("SELECT count(*) FROM log_pending").strip() != "0":
        time.sleep(0.5)
    integrated = time.monotonic()
    size = int(server.psql("SELECT max(tree_size) FROM log_checkpoints"))
    print(f"log: {size} leaves; written in {written - started:.0f} s, integrated in {integrated - written:.0f} s "
          f"({(size - have) / max(integrated - written, 0.001):.0f} events/s)", file=sys.stderr, flush=True)
    urls = [f"{server.base}/log/proof/inclusion?leaf_index={random.randrange(size)}" for _ in range(20000)]
    proofs = write_urls(work / "proofs.txt", urls)
    rate = 500
    result = run(f"L1 inclusion proof @{size} events", lambda: oha(proofs, server.token, t, 8, rate),
                 figure=None, tree_size=size, sequencer_events_per_s=round((size - have) / max(integrated - written, 0.001)))
    result["figure"] = f"p99 {result['p99_ms']} ms @{rate}/s"


def report(args, results, memory):
    """Prints the table and writes the JSON summary."""
    summary = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": sh("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD").strip(),
        "cores": os.cpu_count(),
        "scale": args.scale,
        "clients": args.clients,
        "seconds": args.seconds,
        "server_rss_peak_mib": round(memory.overall_peak / 1024, 1),
        "results": results,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2))
    print(table(results))
    b1 = results.get("B1 read by id (closed loop), round 1")
    if b1:
        print(f"B1: {b1['rps']:.0f} requests/s; pgbench -S {b1['pgbench_tps']:.0f} tps ({b1['ratio']}); pgbench on "
              f"the claim query {b1['pgbench_claim_query_tps']:.0f} tps ({b1['ratio_to_claim_query']}); record cache "
              f"{b1['record_cache_hits']} hits, {b1['record_cache_misses']} misses")
    for name, result in results.items():
        if result.get("pg_waits"):
            waits = ", ".join(f"{event} {share:.0%}" for event, share in result["pg_waits"].items())
            print(f"PostgreSQL's active sessions during {name}: {waits}")
    print(f"server peak RSS over the run: {summary['server_rss_peak_mib']} MiB; JSON in {args.out}")


if __name__ == "__main__":
    main()
