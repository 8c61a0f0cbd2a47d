"""Time and peak memory of the synthetic data generator, today's against another revision.

    .venv/bin/python benchmarks/bench_sample_data.py --users 359347 [--baseline-rev 177eead]

Runs ``python -m lastfm_recs.sample_data`` of the working tree, and (with
--baseline-rev) of the generator at that git revision (a single-module
sample_data.py or the sample_data/ package, checked out into a temporary
directory), each in its own process, one after the other, and prints the
wall time and the peak resident memory (ru_maxrss of the child) of each.
The files are written under --out (default /tmp/bench_sample_data) and
removed afterwards unless --keep.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def checkout_generator(rev: str, dest: Path) -> Path:
    """The python/ tree of ``rev`` restricted to lastfm_recs/sample_data*, and
    the countries seed, under ``dest``; returns the directory for PYTHONPATH."""
    files = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "-r", "--name-only", rev, "python/lastfm_recs",
                            "seeds/countries.csv"], check=True, capture_output=True, text=True).stdout.split()
    wanted = [f for f in files if f.startswith("python/lastfm_recs/sample_data") or f.endswith(
        ("lastfm_recs/__init__.py", "countries.csv"))]
    if not any("sample_data" in f for f in wanted):
        raise SystemExit(f"revision {rev}: no python/lastfm_recs/sample_data found")
    for f in wanted:
        target = dest / f
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{f}"], check=True,
                                          capture_output=True).stdout)
    return dest / "python"


def run_once(pythonpath: Path, users: int, seed: int, out: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one
    generator run in a child process (CPU time is the fairer figure on a
    shared machine).

    The child is started through a tiny wrapper that reports its own
    ru_maxrss, so earlier children do not mask the figure."""
    code = ("import resource, sys, runpy; sys.argv = ['sample_data'] + sys.argv[1:];\n"
            "try:\n    runpy.run_module('lastfm_recs.sample_data', run_name='__main__')\n"
            "except SystemExit as e:\n    code = e.code\nelse:\n    code = 0\n"
            "r = resource.getrusage(resource.RUSAGE_SELF)\n"
            "print('maxrss_kib', r.ru_maxrss, r.ru_utime + r.ru_stime, file=sys.stderr)\n"
            "sys.exit(code)")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, "--users", str(users), "--seed", str(seed), "--out",
                           str(out), "--quiet"], env={"PYTHONPATH": str(pythonpath), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"generator under {pythonpath} failed:\n{proc.stderr}")
    last = [line.split() for line in proc.stderr.splitlines() if line.startswith("maxrss_kib")][-1]
    return wall, float(last[2]), int(last[1]) / 1024


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=359_347)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--baseline-rev", help="git revision of the generator to compare with (e.g. 177eead)")
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_sample_data"))
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    args = ap.parse_args(argv)
    runs = [("working tree", ROOT / "python")]
    with tempfile.TemporaryDirectory() as tmp:
        if args.baseline_rev:
            runs.append((f"revision {args.baseline_rev}", checkout_generator(args.baseline_rev, Path(tmp))))
        print("| generator | users | wall s | CPU s | peak RSS MiB | plays file MB |")
        print("| --- | --- | --- | --- | --- | --- |")
        for name, path in runs:
            out = args.out / name.replace(" ", "_")
            wall, cpu, rss = run_once(path, args.users, args.seed, out)
            size = (out / "usersha1-artmbid-artname-plays.tsv").stat().st_size / 1e6
            print(f"| {name} | {args.users:,} | {wall:.1f} | {cpu:.1f} | {rss:.0f} | {size:.0f} |", flush=True)
            if not args.keep:
                shutil.rmtree(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
