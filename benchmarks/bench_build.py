"""Benchmark the full `dbt build` on synthetic data of a given size.

    .venv/bin/python benchmarks/bench_build.py                  # full size, 359,347 users
    .venv/bin/python benchmarks/bench_build.py --users 50000 --repeats 3

Generates the raw files with lastfm_recs.sample_data into
data/bench/users-<N>/ (git-ignored; reused when present), then runs
`dbt build` from scratch into a fresh DuckDB file there, --repeats times, and
prints the median wall time per model and in total, the peak resident memory
of the dbt process, and the row count of each mart. `make bench` runs it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))

from lastfm_recs.sample_data import FULL_USERS, generate_dataset  # noqa: E402

MARTS = ["recommendations", "users", "artists", "rejects", "load_summary"]


def data_dir_for(users: int, seed: int, root: Path) -> Path:
    """The raw files for this size, generated once and reused."""
    data = root / f"users-{users}-seed-{seed}"
    if not (data / "usersha1-artmbid-artname-plays.tsv").exists():
        print(f"generating {users:,} users into {data} ...", file=sys.stderr, flush=True)
        generate_dataset(data, n_users=users, seed=seed, progress=lambda m: print("  " + m, file=sys.stderr))
    return data


def run_build(data: Path, workdir: Path, dbt_args: list[str]) -> dict:
    """One `dbt build` from scratch: wall seconds, peak RSS (MiB), per-model seconds."""
    for name in ("lastfm.duckdb", "lastfm.duckdb.wal", "lastfm_serving.duckdb"):
        (workdir / name).unlink(missing_ok=True)
    env = {
        **os.environ,
        "LASTFM_DATA_DIR": str(data),
        "LASTFM_DB": str(workdir / "lastfm.duckdb"),
        "LASTFM_SERVING_DB": str(workdir / "lastfm_serving.duckdb"),
        "DBT_PROFILES_DIR": str(REPO),
        "DO_NOT_TRACK": "1",
    }
    dbt = Path(sys.executable).parent / "dbt"
    cmd = [str(dbt), "build", "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"), *dbt_args]
    log = open(workdir / "build.log", "w")
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    log.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"dbt build failed; see {workdir / 'build.log'}")
    results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
    models = {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in results
        if r["unique_id"].startswith(("model.", "seed."))
    }
    tests = sum(r["execution_time"] for r in results if r["unique_id"].startswith(("test.", "unit_test.")))
    return {"wall": wall, "peak_rss_mib": usage.ru_maxrss / 1024, "models": models, "tests": tests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=FULL_USERS, help="synthetic users (default: full size, %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=1, help="builds to run; medians are printed (default: %(default)s)")
    parser.add_argument("--root", type=Path, default=REPO / "data" / "bench", help="where data and warehouses go")
    parser.add_argument("dbt_args", nargs="*", help="extra dbt arguments after --, e.g. -- --vars '{neighbors: 50}'")
    args = parser.parse_args()
    if not 1 <= args.users <= FULL_USERS:
        parser.error(f"--users must be in 1..{FULL_USERS}, got {args.users}")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    data = data_dir_for(args.users, args.seed, args.root)
    workdir = data / "build"
    workdir.mkdir(exist_ok=True)
    runs = []
    for i in range(args.repeats):
        print(f"dbt build {i + 1}/{args.repeats} on {data} ...", file=sys.stderr, flush=True)
        runs.append(run_build(data, workdir, args.dbt_args))
        print(f"  {runs[-1]['wall']:.0f} s, peak RSS {runs[-1]['peak_rss_mib']:,.0f} MiB", file=sys.stderr)

    median = statistics.median
    print(f"\n# dbt build, {args.users:,} synthetic users (seed {args.seed}), median of {args.repeats} run(s)")
    print(f"machine: {os.cpu_count()} cores; data: {data}")
    print(f"\n{'model':<40} {'seconds':>8}")
    for name in sorted(runs[0]["models"], key=lambda n: -runs[0]["models"][n]):
        print(f"{name:<40} {median(r['models'][name] for r in runs):>8.1f}")
    print(f"{'(all data tests and unit tests)':<40} {median(r['tests'] for r in runs):>8.1f}")
    walls = ", ".join(f"{r['wall']:.0f}" for r in runs)
    print(f"\ntotal wall time: {median(r['wall'] for r in runs):.0f} s (runs: {walls})")
    print(f"peak resident memory: {median(r['peak_rss_mib'] for r in runs):,.0f} MiB (max {max(r['peak_rss_mib'] for r in runs):,.0f})")
    con = duckdb.connect(str(workdir / "lastfm.duckdb"), read_only=True)
    print("\nmart rows:")
    for mart in MARTS:
        print(f"  {mart:<18} {con.sql(f'select count(*) from {mart}').fetchall()[0][0]:>12,}")


if __name__ == "__main__":
    main()
