"""Peak memory of `dbt build` with one heavy user (docs/reliability.md).

    .venv/bin/python benchmarks/bench_memory.py --users 300 --heavy-artists 10000

Generates --users users with lastfm_recs.sample_data into a temporary
folder, adds one user who has played --heavy-artists distinct artists (new
MBIDs, one play line each), and runs plain `dbt build` twice, without and
with that user, under /usr/bin/time -v; prints the wall time and the peak
resident memory (maximum resident set size) of each build. Extra dbt vars
with --vars (JSON), e.g. '{"model": "user_knn"}'.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from lastfm_recs.sample_data import generate_dataset

REPO = Path(__file__).resolve().parents[1]

PLAYS = "usersha1-artmbid-artname-plays.tsv"
PROFILES = "usersha1-profile.tsv"


def add_heavy_user(data: Path, artists: int, seed: int) -> None:
    """One more user, with a profile and one play line for each of ``artists``
    new artists."""
    user = hashlib.sha1(f"heavy-{seed}".encode()).hexdigest()
    with open(data / PROFILES, "a", encoding="utf-8") as out:
        out.write(f"{user}\tm\t30\tGermany\tJan 1, 2008\n")
    with open(data / PLAYS, "a", encoding="utf-8") as out:
        for i in range(artists):
            mbid = uuid.UUID(int=(seed << 64) + i + 1)
            out.write(f"{user}\t{mbid}\theavy artist {i}\t{1 + i % 50}\n")


def peak_build(data: Path, work: Path, dbt_vars: dict) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one plain dbt build into ``work``."""
    env = {**os.environ, "LASTFM_DATA_DIR": str(data), "LASTFM_DB": str(work / "lastfm.duckdb"),
           "LASTFM_SERVING_DB": str(work / "lastfm_serving.duckdb"), "DBT_PROFILES_DIR": str(REPO),
           "DO_NOT_TRACK": "1"}
    cmd = ["/usr/bin/time", "-v", str(Path(sys.executable).parent / "dbt"), "build", "--target-path",
           str(work / "target"), "--log-path", str(work / "logs"), "--vars", json.dumps(dbt_vars)]
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(result.stdout[-3000:] + result.stderr[-3000:])
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    return wall, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--heavy-artists", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vars", default="{}", help="extra dbt vars, JSON")
    args = parser.parse_args()
    dbt_vars = json.loads(args.vars)
    root = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    try:
        plain = root / "plain"
        generate_dataset(plain, n_users=args.users, seed=args.seed)
        heavy = root / "heavy"
        shutil.copytree(plain, heavy)
        add_heavy_user(heavy, args.heavy_artists, args.seed)
        print(f"{args.users} users, vars {dbt_vars or 'defaults'}")
        cases = (("without the heavy user", plain), (f"with one user of {args.heavy_artists:,} artists", heavy))
        for name, data in cases:
            wall, peak = peak_build(data, root / f"build-{data.name}", dbt_vars)
            print(f"  {name}: {wall:.0f} s, peak resident memory {peak:,.0f} MB")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
