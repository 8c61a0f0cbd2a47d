"""Benchmark the Spark build (docs/spark.md): time per step on local[1],
local[2] and a local standalone cluster (a master and two one-core workers,
benchmarks/spark_cluster.sh).

    .venv/bin/python benchmarks/bench_spark.py                     # 50,000 users, all three masters
    .venv/bin/python benchmarks/bench_spark.py --users 2000 --masters 'local[1]'
    .venv/bin/python benchmarks/bench_spark.py --dbt-args "--vars '{model: user_knn}'"

Generates the raw files once into data/bench/users-<N>-seed-1/ (as
bench_build.py), then for each master runs ``python -m
lastfm_recs.spark_build`` from scratch into its own warehouse folder there,
and prints the wall time of each step (the dbt part before the scoring, the
scoring and its sub-steps, the dbt part after, and the process in total,
Spark's start-up included) side by side. "cluster" starts the standalone cluster before its run
and stops it after. Needs requirements-spark.txt (make venv-spark).
"""
from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_build import data_dir_for  # noqa: E402

CLUSTER = REPO / "benchmarks" / "spark_cluster.sh"
STEP = re.compile(r"spark_build step (.+?)(?: \(.*\))?: ([0-9.]+) s")
SUB_STEP = re.compile(r"spark_scoring: (?:[a-z_]+: )?(.+?) in ([0-9.]+) s")


def run(master: str, data: Path, workdir: Path, dbt_args: list[str]) -> dict[str, float]:
    """One Spark build from scratch on ``master``: step -> seconds."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    env = {**os.environ, "LASTFM_DATA_DIR": str(data), "LASTFM_SPARK_WAREHOUSE": str(workdir / "warehouse"),
           "SPARK_MASTER": master, "DBT_PROFILES_DIR": str(REPO), "DO_NOT_TRACK": "1",
           "PYTHONPATH": str(REPO / "python"), "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    cmd = [sys.executable, "-m", "lastfm_recs.spark_build", "--target-path", str(workdir / "target"),
           "--log-path", str(workdir / "logs"), *dbt_args]
    start = time.perf_counter()
    with open(workdir / "build.log", "w") as log:
        result = subprocess.run(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - start
    text = (workdir / "build.log").read_text(errors="replace")
    if result.returncode != 0:
        raise SystemExit(f"{master}: the Spark build failed; see {workdir / 'build.log'}:\n{text[-3000:]}")
    steps: dict[str, float] = {}
    for line in text.splitlines():
        if m := STEP.search(line):
            steps[m.group(1)] = float(m.group(2))
        elif m := SUB_STEP.search(line):
            steps["  " + re.sub(r"[0-9,]+ ", "", m.group(1))[:48]] = float(m.group(2))
    steps["process wall time (with Spark start-up)"] = wall
    return steps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--masters", default="local[1],local[2],cluster",
                    help="comma separated: local[N] and/or cluster (default: all three)")
    ap.add_argument("--dbt-args", default="", help="extra dbt arguments, e.g. \"--vars '{model: user_knn}'\"")
    args = ap.parse_args()
    data = data_dir_for(args.users, args.seed, REPO / "data" / "bench")
    results: dict[str, dict[str, float]] = {}
    for master in args.masters.split(","):
        workdir = data / f"spark-{re.sub(r'[^a-z0-9]+', '', master)}"
        if master == "cluster":
            url = subprocess.run(["bash", str(CLUSTER), "start"], check=True, capture_output=True,
                                 text=True).stdout.strip().splitlines()[-1]
            try:
                results["cluster (2 workers x 1 core)"] = run(url, data, workdir, shlex.split(args.dbt_args))
            finally:
                subprocess.run(["bash", str(CLUSTER), "stop"], check=False)
        else:
            results[master] = run(master, data, workdir, shlex.split(args.dbt_args))
        print(f"{master}: done", file=sys.stderr, flush=True)

    names = list(results)
    steps = list(dict.fromkeys(step for r in results.values() for step in r))
    width = max(len(s) for s in steps)
    print(f"Spark build, {args.users:,} users (seed {args.seed}), {args.dbt_args or 'default vars'}; seconds")
    print(f"{'step':<{width}}  " + "  ".join(f"{n:>28}" for n in names))
    for step in steps:
        print(f"{step:<{width}}  " + "  ".join(
            f"{results[n][step]:>28.1f}" if step in results[n] else f"{'-':>28}" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
