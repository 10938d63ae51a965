#!/usr/bin/env python3
"""B1 to B5 for two builds side by side, in one run: the suite runs for each in turn, round
after round (A, B, A, B, ...), so a box that slows meanwhile slows both. Prints each key figure
per build as the median of the rounds with its spread (min-max), and the median ratio B/A.

    benches/compare.py --a /path/to/old/attest --a-generate "/path/to/old/attest generate" \\
                       --b target/release/attest --rounds 3 --scale 0.05 --seconds 10

Each build fills its own databases with its own generator (its migrations are its own).
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (label, result name prefix, field, higher is better)
FIGURES = [
    ("B1 read by id, cached (req/s)", "B1 read by id (closed loop)", "rps", True),
    ("B1 read by id / pgbench -S", "B1 read by id (closed loop)", "ratio", True),
    ("B1 from the database (req/s)", "B1 read by id, from the database", "rps", True),
    ("B1 from the database / pgbench -S", "B1 read by id, from the database", "ratio", True),
    ("B1 from the database, reads per statement", "B1 read by id, from the database", "reads_per_statement", True),
    ("B1 ceiling GET /healthz (req/s)", "B1 ceiling: GET /healthz", "rps", True),
    ("B1 at half rate, p99 ms", "B1 read by id @", "p99_ms", False),
    ("B1 server CPU µs per cached read", "B1 CPU µs per request, cached", "server_us", False),
    ("B1 server CPU µs per read from the database", "B1 CPU µs per request, database", "server_us", False),
    ("B1 PostgreSQL CPU µs per read from the database", "B1 CPU µs per request, database", "rest_us", False),
    ("B1 server CPU µs per GET /healthz", "B1 CPU µs per request, healthz", "server_us", False),
    ("B1 from the database, server free / pgbench -S", "B1 from the database if the server cost nothing", "median",
     True),
    ("B2 batch ingest / COPY", "B2 batch ingest (1000/request)", "ratio", True),
    ("B2 batch ingest (claims/s)", "B2 batch ingest (1000/request)", "claims_per_s", True),
    ("B3 list page p99 ms (large), round 1", "B3 list page @", "p99_ms", False),
    ("B4 search p99 ms (large), round 1", "B4 search @", "p99_ms", False),
    ("B4 one at a time p99 ms (large)", "B4 one at a time @", "p99_ms", False),
    ("B5 review write (req/s)", "B5 review write (closed loop)", "rps", True),
    ("B5 at half rate, p99 ms", "B5 review write @", "p99_ms", False),
    ("B5 log integration delay p99 ms (closed loop)", "B5 log integration delay (closed", "p99_ms", False),
    ("B5 log integration delay p99 ms (half rate)", "B5 log integration delay @", "p99_ms", False),
    ("L1 inclusion proof p99 ms", "L1 inclusion proof @", "p99_ms", False),
    ("L1 sequencer events/s", "L1 inclusion proof @", "sequencer_events_per_s", True),
]


def pick(results, prefix, field):
    """The named result's field; for names carrying a size or rate, the last one (the large set)."""
    matches = [r for name, r in results.items() if name.startswith(prefix) and field in r]
    if prefix.startswith(("B3", "B4 search")):
        matches = [r for name, r in results.items() if name.startswith(prefix) and "round 1" in name]
    return matches[-1][field] if matches else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", required=True, help="the first server binary (before)")
    parser.add_argument("--a-generate", required=True, help="its generator command, as words")
    parser.add_argument("--a-without-rls", action="store_true",
                        help="A runs with row-level security off (suite.py --without-rls)")
    parser.add_argument("--b", required=True, help="the second server binary (after)")
    parser.add_argument("--b-generate", default=str(ROOT / "target" / "release" / "examples" / "generate"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--out", default=str(ROOT / "target" / "compare"))
    parser.add_argument("--only", default="B1,B2,B3,B4,B5", help="the benchmarks to run, comma-separated")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = {"a": [], "b": []}
    for n in range(1, args.rounds + 1):
        for side, binary, generate in (("a", args.a, args.a_generate), ("b", args.b, args.b_generate)):
            path = out / f"{side}-{n}.json"
            print(f"== round {n}, {side}: {binary}", file=sys.stderr, flush=True)
            subprocess.run([sys.executable, str(ROOT / "benches" / "suite.py"), "--binary", binary,
                            "--generate", generate, "--scale", str(args.scale), "--seconds", str(args.seconds),
                            "--rounds", "1", "--only", args.only, *(["--without-rls"] if side == "a" and args.a_without_rls else []),
                            "--out", str(path)], check=True, stdout=subprocess.DEVNULL)
            runs[side].append(json.loads(path.read_text())["results"])
    print(f"| figure | A median (min-max) | B median (min-max) | B/A (median of rounds) |")
    print("| --- | ---: | ---: | ---: |")
    for label, prefix, field, _higher in FIGURES:
        a = [pick(r, prefix, field) for r in runs["a"]]
        b = [pick(r, prefix, field) for r in runs["b"]]
        if None in b:
            continue
        if None in a:
            # Only B has it (the log is new): its figures alone.
            print(f"| {label} | - | {statistics.median(b):g} ({min(b):g}-{max(b):g}) | - |")
            continue
        ratios = [y / x for x, y in zip(a, b) if x]
        print(f"| {label} | {statistics.median(a):g} ({min(a):g}-{max(a):g}) | "
              f"{statistics.median(b):g} ({min(b):g}-{max(b):g}) | {statistics.median(ratios):.2f} "
              f"({min(ratios):.2f}-{max(ratios):.2f}) |")


if __name__ == "__main__":
    main()
