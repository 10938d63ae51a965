#!/usr/bin/env python3
"""Growth beyond the suite's sizes (issue 26): B3's list pages and B4's searches at 1,000,000
claims and quotes and again at 10,000,000, with the plan PostgreSQL ran for each of their
statements and the buffers it touched.

Starts `attest serve` on a throwaway data directory as the suite does, fills it with the
`generate` example at --scale (1.0 = 1,000,000 quotes and claims), and measures the suite's own
B3 and B4 requests one at a time (no queueing: the statements' own cost). auto_explain logs
every statement's plan with its buffers while each request runs once more. Then each claim and
quote is copied until the tables hold --factor times as many rows, and the same requests are
measured again.

The copies are the generated rows again under new, later ids (UUIDv7, as the server makes
them), so every word, metric and verdict is --factor times as common: the skew of the corpus
kept, only larger. So that a copy may repeat its original, the copy leaves out the indexes that
neither B3 nor B4 reads: the same-record keys (which refuse a repeat) and the trigram indexes of
the similar-quote search, the slowest to build. Every other index is built again after the copy,
by its own definition.

Prints per statement: its plan (node types and indexes), and the median and largest shared
buffers touched at each size; per benchmark: p50 and p99 one at a time. --out writes the JSON.

Usage: benches/plans.py [--scale 1.0] [--factor 10] [--searches 500] [--out FILE]
Cost on the 2-core box: about 10 minutes to generate 1,000,000 of each, the copy and index
builds for 10,000,000 about half an hour, and some 20 GB of disk.
"""

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import suite

AUTO_EXPLAIN = {
    "auto_explain.log_analyze": "on",
    "auto_explain.log_buffers": "on",
    "auto_explain.log_timing": "off",
    "auto_explain.log_nested_statements": "on",
    "auto_explain.log_format": "json",
}
# Left out of the copy (see the module's documentation): indexes B3 and B4 never read.
UNREAD_INDEXES = re.compile(r"same_record_key|trgm")
TABLES = ("claims", "quotes")
LISTS, SEARCHES = "B3 list pages, one at a time", "B4 searches, one at a time"


def configure(server, settings):
    """ALTER SYSTEM each setting (auto_explain's are known once it is loaded), then reload."""
    server.psql(["LOAD 'auto_explain'", *(f"ALTER SYSTEM SET {name} = '{value}'" for name, value in settings.items()),
                 "SELECT pg_reload_conf()"], "postgres")
    time.sleep(1)


def explaining(server, on):
    configure(server, {"auto_explain.log_min_duration": "0" if on else "-1"})


def plans_of(server, urls):
    """Each URL once, one at a time, with auto_explain on: the plans of the statements run."""
    log = server.work / "pgdata" / "postgres.log"
    start = log.stat().st_size
    explaining(server, True)
    suite.one_at_a_time(urls, server.token)
    explaining(server, False)
    with open(log, errors="replace") as text:
        text.seek(start)
        entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", text.read())
    plans = []
    for entry in entries:
        if "plan:" not in entry:
            continue
        plan = json.loads(entry.split("plan:", 1)[1])
        query = " ".join(plan["Query Text"].split())
        # The server's reads only: not the follower's, the sequencer's or the webhooks' polling.
        if "claims" in query or "quotes" in query or "attest_search" in query:
            plans.append((query, plan["Plan"]))
    return plans


def shape(node):
    """The plan's nodes, depth first: type and index."""
    own = node["Node Type"] + (f" ({node['Index Name']})" if "Index Name" in node else "")
    children = [shape(child) for child in node.get("Plans", [])]
    return own + (" -> [" + ", ".join(children) + "]" if children else "")


def summarise(plans):
    """Per statement (its text up to the first parameter's use) and plan shape: how many ran,
    and the shared buffers they touched (found in PostgreSQL's cache or read into it), median
    and largest, and the median of those read."""
    groups = {}
    for query, plan in plans:
        key = (query[:160], shape(plan))
        groups.setdefault(key, []).append((plan.get("Shared Hit Blocks", 0), plan.get("Shared Read Blocks", 0)))
    summary = {}
    for (query, plan), runs in groups.items():
        touched = [hit + read for hit, read in runs]
        summary[f"{query} | {plan}"] = {"runs": len(runs), "buffers_median": statistics.median(touched),
                                        "buffers_max": max(touched),
                                        "read_median": statistics.median(read for _, read in runs)}
    return summary


def measure(server, lists, searches, label):
    print(f"measuring at {label} ...", file=sys.stderr, flush=True)
    return {
        LISTS: suite.one_at_a_time(lists, server.token),
        SEARCHES: suite.one_at_a_time(searches, server.token),
        "B3 plans": summarise(plans_of(server, lists)),
        "B4 plans": summarise(plans_of(server, searches)),
        "sizes": server.psql("SELECT string_agg(relname || ' ' || pg_size_pretty(pg_total_relation_size(oid)), ', ') "
                             "FROM pg_class WHERE relname IN ('claims', 'quotes')").strip(),
    }


def grow(server, factor):
    """Copies every claim and quote until each table holds `factor` times its rows."""
    for table in TABLES:
        started = time.monotonic()
        indexes = server.psql(
            f"SELECT i.indexrelid::regclass || '|' || pg_get_indexdef(i.indexrelid) FROM pg_index i "
            f"WHERE i.indrelid = '{table}'::regclass AND NOT EXISTS "
            f"(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)").splitlines()
        for name, _ in (line.split("|", 1) for line in indexes):
            server.psql(f"DROP INDEX {name}")
        columns = server.psql(
            f"SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns "
            f"WHERE table_name = '{table}' AND is_generated = 'NEVER' "
            f"AND column_name NOT IN ('id', 'arrival_slice', 'created_at', 'updated_at')").strip()
        # Each copy is the originals again, a whole span of their creation times later.
        last, span = server.psql(f"SELECT max(created_at), max(created_at) - min(created_at) + interval '1 day' "
                                 f"FROM {table}").strip().split("|")
        for copy in range(1, factor):
            shift = f"{copy} * interval '{span}'"
            # A UUIDv7 from the copy's creation time, as the server makes ids: arrival order kept.
            server.psql(
                f"INSERT INTO {table} (id, created_at, updated_at, {columns}) "
                f"SELECT (lpad(to_hex((extract(epoch FROM created_at + {shift}) * 1000)::bigint), 12, '0') "
                f"|| '7' || substr(md5(random()::text), 1, 3) || to_hex(8 + floor(random() * 4)::int) "
                f"|| substr(md5(random()::text), 1, 15))::uuid, created_at + {shift}, updated_at + {shift}, "
                f"{columns} FROM {table} WHERE created_at <= '{last}' ORDER BY created_at")
        for name, definition in (line.split("|", 1) for line in indexes):
            if not UNREAD_INDEXES.search(name):
                server.psql(f"SET maintenance_work_mem = '1GB'; {definition}")
        server.psql(f"VACUUM ANALYZE {table}")
        print(f"{table}: {server.psql(f'SELECT count(*) FROM {table}').strip()} rows in "
              f"{time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--searches", type=int, default=500)
    parser.add_argument("--port", type=int, default=18281)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--generate", required=True)
    parser.add_argument("--out", default=str(suite.ROOT / "target" / "plans.json"))
    args = parser.parse_args()
    suite.BIN = Path(args.binary)
    work = Path(tempfile.mkdtemp(prefix="attest-plans-", dir="/tmp"))
    work.chmod(0o755)
    server = suite.Server(work, args.port)
    try:
        started = time.monotonic()
        suite.sh(args.generate, *server.db_args, "--scale", str(args.scale))
        print(f"generated in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        configure(server, {**AUTO_EXPLAIN, "auto_explain.log_min_duration": "-1",
                           "session_preload_libraries": "auto_explain"})
        server.restart()  # its new connections load auto_explain
        lists, searches = suite.list_urls(server), suite.search_urls(server, args.searches)
        results = {"small": measure(server, lists, searches, f"scale {args.scale}")}
        # The larger size takes the longest: what the smaller one measured is kept if it never comes.
        Path(args.out).write_text(json.dumps(results, indent=2))
        for bench in (LISTS, SEARCHES):
            small = results["small"][bench]
            print(f"{bench} at scale {args.scale}: p50 {small['p50_ms']} ms, p99 {small['p99_ms']} ms "
                  f"(all of it in {args.out})", file=sys.stderr, flush=True)
        grow(server, args.factor)
        server.restart()  # its new connections load auto_explain
        results["large"] = measure(server, lists, searches, f"{args.factor} x scale {args.scale}")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    for bench in (LISTS, SEARCHES):
        small, large = results["small"][bench], results["large"][bench]
        print(f"{bench}: p50 {small['p50_ms']} -> {large['p50_ms']} ms, p99 {small['p99_ms']} -> {large['p99_ms']} ms")
    for plans in ("B3 plans", "B4 plans"):
        print(f"\n{plans}")
        for key in sorted(set(results["small"][plans]) | set(results["large"][plans])):
            small, large = results["small"][plans].get(key), results["large"][plans].get(key)
            figure = lambda f: (f"{f['runs']} runs, buffers {f['buffers_median']} (max {f['buffers_max']}), "
                                f"read {f['read_median']}") if f else "-"
            print(f"  {key}\n    small: {figure(small)}\n    large: {figure(large)}")
    print(f"sizes: {results['small']['sizes']} -> {results['large']['sizes']}")


if __name__ == "__main__":
    main()
