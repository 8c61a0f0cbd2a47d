"""Shape statistics of listening data: the real-vs-synthetic table.

Reads user-artist play counts from a HetRec 2011 Last.fm directory
(``user_artists.dat``) or a Last.fm 360K directory
(``usersha1-artmbid-artname-plays.tsv``) and computes, with plain code that
shares nothing with the generator:

- users and distinct artists;
- the share of artists with a single listener;
- the share of user-artist rows held by the top 1% and top 10% of artists
  (artists ranked by listeners);
- the Gini coefficient of listeners per artist;
- plays per row: median, p10, p90, p99;
- distinct artists per user (mean).

Usage::

    python -m lastfm_recs.data_stats --hetrec DIR --lastfm360k DIR [--lastfm360k DIR2 ...]

prints one markdown table with a column per directory.
"""
from __future__ import annotations

import argparse
import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

HETREC_FILE = "user_artists.dat"
LASTFM360K_FILE = "usersha1-artmbid-artname-plays.tsv"

Pairs = dict[tuple[str, str], int]  # (user, artist) -> plays


def read_hetrec(data_dir: Path) -> Pairs:
    """User-artist plays of a HetRec 2011 ``user_artists.dat`` (header line,
    ``userID <TAB> artistID <TAB> weight``). Lines that are not three fields
    with an integer weight raise a ValueError naming the file and line."""
    path = Path(data_dir) / HETREC_FILE
    pairs: Pairs = {}
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n").split("\t")
        if header[:3] != ["userID", "artistID", "weight"]:
            raise ValueError(f"{path}: expected the header userID, artistID, weight, found {header}")
        for n, line in enumerate(f, start=2):
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != 3 or not fields[2].lstrip("-").isdigit():
                raise ValueError(f"{path}:{n}: expected userID, artistID, integer weight, found {line!r}")
            key = (fields[0], fields[1])
            pairs[key] = pairs.get(key, 0) + int(fields[2])
    return pairs


def read_lastfm360k(data_dir: Path) -> tuple[Pairs, int]:
    """User-artist plays of a Last.fm 360K plays file, and the number of lines
    left out.

    An artist is its MBID, or ``name:<lower-cased name>`` when the MBID is
    empty. Lines left out: not four fields, plays not a positive integer, or
    both MBID and name empty. Rows of the same user and artist (two spellings
    of one MBID) are summed into one pair.
    """
    path = Path(data_dir) / LASTFM360K_FILE
    pairs: Pairs = {}
    skipped = 0
    with open(path, encoding="utf-8", newline="") as f:
        for line in f:
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != 4 or not fields[3].isdigit() or int(fields[3]) <= 0:
                skipped += 1
                continue
            user, mbid, name, plays = fields
            artist = mbid or ("name:" + name.lower() if name else "")
            if not artist:
                skipped += 1
                continue
            key = (user, artist)
            pairs[key] = pairs.get(key, 0) + int(plays)
    return pairs, skipped


def quantile(sorted_values: list[int], q: float) -> float:
    """Linear-interpolation quantile (numpy's default) of an ascending list:
    position q * (n - 1) between the two nearest values."""
    if not sorted_values:
        raise ValueError("quantile of an empty list")
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def gini(values: Iterable[int]) -> float:
    """Gini coefficient of non-negative values, sum_i sum_j |x_i - x_j| /
    (2 n^2 mean), computed from the ascending order:
    (2 sum_i i x_(i)) / (n sum x) - (n + 1) / n, i = 1..n."""
    xs = sorted(values)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return 0.0
    return 2 * sum(i * x for i, x in enumerate(xs, start=1)) / (n * total) - (n + 1) / n


def top_share(listeners_desc: list[int], fraction: float) -> float:
    """Share of all user-artist rows held by the top ``fraction`` of artists
    (at least one artist; round(fraction * number of artists))."""
    k = max(1, round(fraction * len(listeners_desc)))
    return sum(listeners_desc[:k]) / sum(listeners_desc)


def listening_stats(pairs: Pairs) -> dict[str, float]:
    """The table's statistics of a set of (user, artist) -> plays pairs."""
    if not pairs:
        raise ValueError("no user-artist rows")
    listeners = Counter(a for _u, a in pairs)
    per_user = Counter(u for u, _a in pairs)
    counts = sorted(listeners.values(), reverse=True)
    plays = sorted(pairs.values())
    return {
        "users": len(per_user),
        "artists": len(listeners),
        "rows": len(pairs),
        "single_listener_share": sum(c == 1 for c in counts) / len(counts),
        "top1_row_share": top_share(counts, 0.01),
        "top10_row_share": top_share(counts, 0.10),
        "gini_listeners": gini(counts),
        "plays_p10": quantile(plays, 0.10),
        "plays_median": quantile(plays, 0.50),
        "plays_p90": quantile(plays, 0.90),
        "plays_p99": quantile(plays, 0.99),
        "artists_per_user": len(pairs) / len(per_user),
    }


ROWS = [  # (label, key, format)
    ("users", "users", "{:,.0f}"),
    ("distinct artists", "artists", "{:,.0f}"),
    ("user-artist rows", "rows", "{:,.0f}"),
    ("artists with a single listener", "single_listener_share", "{:.0%}"),
    ("rows on the top 1% of artists", "top1_row_share", "{:.0%}"),
    ("rows on the top 10% of artists", "top10_row_share", "{:.0%}"),
    ("Gini of listeners per artist", "gini_listeners", "{:.2f}"),
    ("plays per row: p10", "plays_p10", "{:,.0f}"),
    ("plays per row: median", "plays_median", "{:,.0f}"),
    ("plays per row: p90", "plays_p90", "{:,.0f}"),
    ("plays per row: p99", "plays_p99", "{:,.0f}"),
    ("artists per user (mean)", "artists_per_user", "{:.1f}"),
]


def markdown_table(columns: list[tuple[str, dict[str, float]]]) -> str:
    """One markdown table: a row per statistic, a column per data set."""
    lines = ["| statistic | " + " | ".join(name for name, _ in columns) + " |",
             "| --- |" + " --- |" * len(columns)]
    for label, key, fmt in ROWS:
        lines.append(f"| {label} | " + " | ".join(fmt.format(s[key]) for _, s in columns) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; see ``--help``."""
    ap = argparse.ArgumentParser(
        prog="python -m lastfm_recs.data_stats",
        description="Print the shape statistics (users, artists, long tail, concentration, plays per row) "
                    "of HetRec 2011 and Last.fm 360K directories as one markdown table.")
    ap.add_argument("--hetrec", type=Path, action="append", default=[],
                    help=f"a directory holding a HetRec 2011 {HETREC_FILE} (repeatable)")
    ap.add_argument("--lastfm360k", type=Path, action="append", default=[],
                    help=f"a directory holding a Last.fm 360K {LASTFM360K_FILE} (repeatable)")
    args = ap.parse_args(argv)
    if not args.hetrec and not args.lastfm360k:
        ap.error("give at least one --hetrec or --lastfm360k directory")
    columns: list[tuple[str, dict[str, float]]] = []
    for d in args.hetrec:
        if not (d / HETREC_FILE).is_file():
            ap.error(f"--hetrec {d}: no {HETREC_FILE} there")
        columns.append((f"{d.name} (HetRec)", listening_stats(read_hetrec(d))))
    for d in args.lastfm360k:
        if not (d / LASTFM360K_FILE).is_file():
            ap.error(f"--lastfm360k {d}: no {LASTFM360K_FILE} there")
        pairs, skipped = read_lastfm360k(d)
        columns.append((f"{d.name} (360K; {skipped} bad lines left out)", listening_stats(pairs)))
    print(markdown_table(columns))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
