"""DuckDB's CSV reader on a raw plays file: the sources' single-threaded read
against the same read with parallel=true, and against new_line='\\n'.

The `lastfm` sources (models/staging/lastfm/_lastfm__sources.yml) read each
raw file one whole line per row with parallel=false. This script takes the
read_csv() call from the sources themselves, runs it as it is and with the
parallel reader, and prints for each: the median time, the lines read, the
empty lines and a checksum of the lines in order, and whether they equal the
sources' read. Run it again on a new DuckDB before switching the sources to
the parallel reader: the build's reconciliation test
(tests/assert_raw_lines_reconcile.sql) would catch a lost line, this shows
it before a build does.

    .venv/bin/python benchmarks/bench_reader.py data/bench/users-359347-seed-1 --repeats 3
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import duckdb
import yaml

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "models" / "staging" / "lastfm" / "_lastfm__sources.yml"


def sources_read(data_dir: Path, table: str = "plays") -> str:
    """The read_csv() call the `lastfm` source ``table`` reads its file with."""
    source = yaml.safe_load(SOURCES.read_text())["sources"][0]
    meta = next(t for t in source["tables"] if t["name"] == table)["config"]["meta"]
    return meta["external_location"] % {"data_dir": str(data_dir).replace("'", "''"),
                                         "file_name": meta["file_name"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", type=Path, help="folder of the raw files")
    parser.add_argument("--repeats", type=int, default=3, help="reads per variant (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default: %(default)s)")
    args = parser.parse_args()
    serial = sources_read(args.data_dir)
    if "parallel=false" not in serial:
        sys.exit(f"the sources' read no longer has parallel=false: {serial}")
    variants = {
        "sources (parallel=false, \\r\\n)": serial,
        "parallel=true, \\r\\n": serial.replace("parallel=false", "parallel=true"),
        "parallel=true, \\n": serial.replace("parallel=false", "parallel=true").replace(r"new_line='\r\n'",
                                                                                       r"new_line='\n'"),
    }
    con = duckdb.connect()
    con.execute(f"set threads = {args.threads}")
    print(f"DuckDB {duckdb.__version__}, {args.threads} threads, {args.data_dir}; median of {args.repeats}")
    reference = None
    for name, read in variants.items():
        times, result = [], None
        for _ in range(args.repeats):
            start = time.monotonic()
            # hash of each line with its position: a lost, split or moved line changes the sum
            result = con.execute(
                "select count(*), count(*) filter (where line is null), sum(h) from "
                f"(select hash(line, row_number() over ()) as h, line from {read})"
            ).fetchall()[0]
            times.append(time.monotonic() - start)
        reference = reference or result
        verdict = "same lines" if result == reference else "DIFFERENT lines"
        print(f"  {name:<34} {statistics.median(times):6.1f} s  {result[0]:>12,} lines, "
              f"{result[1]:,} empty  {verdict}")


if __name__ == "__main__":
    main()
