"""Benchmark "recommendations for user X" on the serving file, the way a BI
tool or a small API asks it: a fresh read-only connection per lookup.

    .venv/bin/python benchmarks/bench_serving_lookup.py
    .venv/bin/python benchmarks/bench_serving_lookup.py --serving /path/lastfm_serving.duckdb --lookups 500

For each of --lookups users drawn at random (seeded) from the users table:
connect read-only (timed), run the lookup with the user id as a parameter
(timed), fetch, close. Twice: on the recommendations table and on the
user_recommendations view (joined to users and artists). Prints the median,
p95 and max of the connect time, the query time and their sum, and the
sizes. Run it under another Python (e.g. a virtualenv with duckdb 1.1) to
time an older DuckDB on the same file.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from pathlib import Path

import duckdb

from lastfm_recs.serving import configured_serving_path

LOOKUPS = {
    "recommendations": "select rank, artist_name, score from recommendations where user_id = ? order by rank",
    "user_recommendations": (
        "select rank, artist_name, score, artist_listeners, user_country, user_age_band "
        "from user_recommendations where user_id = ? order by rank"
    ),
}


def time_lookups(path: Path, sql: str, users: list[str]) -> tuple[list[float], list[float], int]:
    """Connect / query times in seconds per user, and the rows returned in all."""
    connect_s: list[float] = []
    query_s: list[float] = []
    rows = 0
    for user in users:
        start = time.perf_counter()
        con = duckdb.connect(str(path), read_only=True)
        connected = time.perf_counter()
        rows += len(con.execute(sql, [user]).fetchall())
        done = time.perf_counter()
        con.close()
        connect_s.append(connected - start)
        query_s.append(done - connected)
    return connect_s, query_s, rows


def summary(seconds: list[float]) -> str:
    """median / p95 / max in milliseconds."""
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1e3:6.1f}  p95 {p95 * 1e3:6.1f}  max {ordered[-1] * 1e3:6.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serving", type=Path, default=configured_serving_path(),
                        help="serving file (default: LASTFM_SERVING_DB or beside LASTFM_DB)")
    parser.add_argument("--lookups", type=int, default=300, help="random users looked up (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the user draw (default 0)")
    args = parser.parse_args(argv)
    if not args.serving.exists():
        parser.error(f"serving file {args.serving} not found: run `make build` first or pass --serving")

    with duckdb.connect(str(args.serving), read_only=True) as con:
        all_users = [row[0] for row in con.execute("select user_id from users order by user_id").fetchall()]
        n_recommendations = con.execute("select count(*) from recommendations").fetchall()[0][0]
    users = random.Random(args.seed).sample(all_users, min(args.lookups, len(all_users)))

    print(f"{args.serving}: {args.serving.stat().st_size / 2**20:.0f} MiB, {len(all_users):,} users, "
          f"{n_recommendations:,} recommendations")
    print(f"duckdb {duckdb.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"{len(users)} random users (seed {args.seed}), a fresh read-only connection per lookup")
    for name, sql in LOOKUPS.items():
        time_lookups(args.serving, sql, users[:5])  # warm the OS page cache
        connect_s, query_s, rows = time_lookups(args.serving, sql, users)
        total_s = [c + q for c, q in zip(connect_s, query_s)]
        print(f"{name} ({rows / len(users):.1f} rows per user)")
        print(f"  connect  {summary(connect_s)}")
        print(f"  query    {summary(query_s)}")
        print(f"  total    {summary(total_s)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
