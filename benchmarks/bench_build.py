"""Benchmark the full `dbt build` on synthetic data of a given size.

    .venv/bin/python benchmarks/bench_build.py                  # full size, 359,347 users
    .venv/bin/python benchmarks/bench_build.py --users 50000 --repeats 3
    .venv/bin/python benchmarks/bench_build.py --repeats 3 --baseline-vars '{model: user_knn}'

Generates the raw files with lastfm_recs.sample_data into
data/bench/users-<N>/ (git-ignored; reused when present), then runs
`dbt build` from scratch into a fresh DuckDB file there, --repeats times, and
prints the median wall time per model and in total, the peak resident memory
of the dbt process, and the row count of each mart. With --baseline-vars,
every repeat also runs a baseline build with those dbt vars (alternating, so
that a noisy machine slows both alike) and the ratios of the medians are
printed too. Each repeat also measures the floor: DuckDB scanning the raw
plays file once on every core (the least any build must spend reading its
input), and the ratio of the build's median to the floor's median is printed,
as is the memory model's estimate (lastfm_recs.memory_model) beside the measured peak.
`make bench` runs it.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from lastfm_recs.sample_data import FULL_USERS, generate_dataset

REPO = Path(__file__).resolve().parents[1]

MARTS = ["recommendations", "users", "artists", "rejects", "load_summary"]


def data_dir_for(users: int, seed: int, root: Path) -> Path:
    """The raw files for this size, generated once and reused."""
    data = root / f"users-{users}-seed-{seed}"
    if not (data / PLAYS_FILE).exists():
        print(f"generating {users:,} users into {data} ...", file=sys.stderr, flush=True)
        generate_dataset(data, n_users=users, seed=seed, progress=lambda m: print("  " + m, file=sys.stderr))
    return data


PLAYS_FILE = "usersha1-artmbid-artname-plays.tsv"


def scan_floor(data: Path) -> float:
    """Seconds for DuckDB to read every line of the raw plays file once, on
    all cores (the parallel reader, lines ending in \\n; no parsing into
    fields): the floor that the build's own read is compared with."""
    con = duckdb.connect(config={"threads": os.cpu_count() or 1})
    path = str(data / PLAYS_FILE).replace("'", "''")
    start = time.monotonic()
    con.sql(
        f"select count(*), sum(length(line)) from read_csv('{path}', columns={{'line': 'VARCHAR'}}, "
        "delim=chr(1), new_line='\\n', quote='', escape='', header=false, auto_detect=false, "
        "strict_mode=false, parallel=true)"
    ).fetchall()
    elapsed = time.monotonic() - start
    con.close()
    return elapsed


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
    # the memory model's estimate, as on-run-start printed it (lastfm_recs.memory_model)
    estimate = re.search(r"peak is estimated at ([0-9.]+) GiB", (workdir / "build.log").read_text())
    return {"wall": wall, "peak_rss_mib": usage.ru_maxrss / 1024, "models": models, "tests": tests,
            "estimate_mib": float(estimate.group(1)) * 1024 if estimate else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=FULL_USERS,
                        help="synthetic users (default: full size, %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="builds to run; medians are printed (default: %(default)s)")
    parser.add_argument("--root", type=Path, default=REPO / "data" / "bench", help="where data and warehouses go")
    parser.add_argument("--baseline-vars",
                        help="dbt vars of a baseline build run beside each build, e.g. '{model: user_knn}'")
    parser.add_argument("dbt_args", nargs="*", help="extra dbt arguments after --, e.g. -- --vars '{neighbors: 50}'")
    args = parser.parse_args()
    if not 1 <= args.users <= FULL_USERS:
        parser.error(f"--users must be in 1..{FULL_USERS}, got {args.users}")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    data = data_dir_for(args.users, args.seed, args.root)
    workdir = data / "build"
    workdir.mkdir(exist_ok=True)
    builds = {"build": args.dbt_args}
    if args.baseline_vars:
        builds = {"baseline": [*args.dbt_args, "--vars", args.baseline_vars], **builds}
    runs: dict[str, list[dict]] = {name: [] for name in builds}
    floors: list[float] = []
    for i in range(args.repeats):
        floors.append(scan_floor(data))
        print(f"floor (DuckDB scanning {PLAYS_FILE} once) {i + 1}/{args.repeats}: {floors[-1]:.1f} s",
              file=sys.stderr, flush=True)
        for name, dbt_args in builds.items():
            print(f"dbt build ({name}) {i + 1}/{args.repeats} on {data} ...", file=sys.stderr, flush=True)
            runs[name].append(run_build(data, workdir, dbt_args))
            last = runs[name][-1]
            print(f"  {last['wall']:.0f} s, peak RSS {last['peak_rss_mib']:,.0f} MiB", file=sys.stderr)

    median = statistics.median
    names = list(builds)
    print(f"\n# dbt build, {args.users:,} synthetic users (seed {args.seed}), median of {args.repeats} run(s)")
    print(f"machine: {os.cpu_count()} cores; data: {data}")
    if args.baseline_vars:
        print(f"baseline: --vars {args.baseline_vars!r}; build: {' '.join(args.dbt_args) or 'the defaults'}")
    print(f"\n{'model':<40}" + "".join(f" {name + ' s':>12}" for name in names))
    first = runs[names[-1]][0]["models"]
    for model in sorted(first, key=lambda n: -first[n]):
        print(f"{model:<40}"
              + "".join(f" {median(r['models'].get(model, 0.0) for r in runs[n]):>12.1f}" for n in names))
    print(f"{'(all data tests and unit tests)':<40}"
          + "".join(f" {median(r['tests'] for r in runs[n]):>12.1f}" for n in names))
    for name in names:
        walls = ", ".join(f"{r['wall']:.0f}" for r in runs[name])
        rss = ", ".join(f"{r['peak_rss_mib']:,.0f}" for r in runs[name])
        print(f"\n{name}: total wall time {median(r['wall'] for r in runs[name]):.0f} s (runs: {walls}); "
              f"peak resident memory {median(r['peak_rss_mib'] for r in runs[name]):,.0f} MiB (runs: {rss})")
        estimate = runs[name][0]["estimate_mib"]
        print(f"{name}: memory model's estimate {estimate:,.0f} MiB (to 0.1 GiB), "
              f"measured / estimate {median(r['peak_rss_mib'] for r in runs[name]) / estimate:.2f}")
    floor = median(floors)
    print(f"\nfloor: DuckDB scanning the raw plays file once on {os.cpu_count()} cores: {floor:.1f} s "
          f"(runs: {', '.join(f'{f:.1f}' for f in floors)})")
    for name in names:
        print(f"{name} / floor, total wall time: {median(r['wall'] for r in runs[name]) / floor:.1f}")
    if args.baseline_vars:
        for what, key in (("total wall time", "wall"), ("peak resident memory", "peak_rss_mib")):
            ratio = median(r[key] for r in runs["build"]) / median(r[key] for r in runs["baseline"])
            print(f"build / baseline, {what}: {ratio:.2f}")
    con = duckdb.connect(str(workdir / "lastfm.duckdb"), read_only=True)
    print("\nmart rows:")
    for mart in MARTS:
        print(f"  {mart:<18} {con.sql(f'select count(*) from {mart}').fetchall()[0][0]:>12,}")


if __name__ == "__main__":
    main()
