"""Deterministic generator of synthetic Last.fm 360K raw files.

Writes ``usersha1-artmbid-artname-plays.tsv`` and ``usersha1-profile.tsv`` in
the exact format of the real dataset (tab separated, UTF-8, no header, no
quoting, sorted by user sha1, each user's rows by plays descending), for any
number of users up to the full 359,347, with every kind of dirt the real
files hold. Same ``(n_users, seed)``, same bytes.

How the synthetic data differs from the real Last.fm 360K dataset:

- Users, artists and names are invented: user ids and MBIDs are random hex
  (they are valid sha1 / UUID shapes but match nothing real), artist names are
  built from word and syllable lists (English, accented Latin, Cyrillic,
  Japanese, Korean and Chinese), so no real artist appears.
- Taste is a latent model, not real listening, calibrated so that the shape
  of the data matches the HetRec 2011 Last.fm play counts (long tail,
  concentration, plays per row; see docs/synthetic-data.md). Artists are a
  popularity-ranked head plus a tail of obscure artists; every artist
  belongs to a scene (a fine cluster), scenes to genres. Each user mixes 1-3
  scenes and draws their top artists from global popularity (a per-user
  "mainstream" share, ~25% on average), from their scenes' heads or those
  scenes' genres, from their scenes' tails (~12%: in small samples these are
  the single-listener artists) and, a modest ~6%, from artists local to
  their country. Taste is drawn independently of age and gender and only
  that small local part depends on the country, so the profile explains
  little of it, as on real data.
- Marginals are matched approximately, not exactly: about 49 artists per
  user, plays per row heavy tailed like the real counts (median ~250, p10
  ~35, p90 ~1,500, p99 ~6,500), the real country shares for the top 20
  countries and a random Zipf-like spread over the others, gender 67/24/9 %
  (m/f/empty), ages peaking in the early twenties with ~20% empty, signup
  dates 2002-2009. The catalogue grows sublinearly with the number of users
  (head ~ n^0.4, tail ~ n^0.2, name-only artists linearly).
- Dirt is injected at fixed rates with a floor, so even a 100-user sample has
  several instances of each kind (names with ``"``, Unicode names, several
  spellings per MBID and the same user with two spellings of one MBID, empty
  MBID, valid MBID with empty name, zero and negative plays, ages empty /
  negative / over 100 including -1337 and 1002, empty gender / country /
  signup, ``\\r\\n`` line ends, malformed lines of both files, duplicate
  profile rows, users with plays but no profile, users with a profile but no
  plays). The real files hold some of these far more or far less often.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from lastfm_recs.sample_data.catalogue import build_catalogue
from lastfm_recs.sample_data.dirt import format_play_lines, inject_row_dirt, profile_lines
from lastfm_recs.sample_data.listeners import build_users, make_rows
from lastfm_recs.sample_data.plan import (
    COUNTRIES_CSV,
    FULL_USERS,
    PLAYS_FILE,
    PROFILE_FILE,
    TOP_COUNTRY_SHARES,
    Plan,
    country_weights,
    load_countries,
)

__all__ = ["COUNTRIES_CSV", "FULL_USERS", "PLAYS_FILE", "PROFILE_FILE", "TOP_COUNTRY_SHARES", "Plan",
           "generate_dataset", "main"]

CHUNK_USERS = 8_192  # users generated and written at a time (bounds memory)


# --- driver ------------------------------------------------------------------
def generate_dataset(out_dir: Path, n_users: int, seed: int = 0,
                     progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Write the two raw files of a synthetic Last.fm 360K dataset into ``out_dir``.

    ``n_users`` (1..359,347) is the number of distinct users over both files
    (including cold users and users with no profile). The output depends only
    on ``(n_users, seed)``. Returns counts: users, lines and rows of each
    file, distinct artists, and the number of instances of each dirt kind.
    """
    if not isinstance(n_users, (int, np.integer)) or not 1 <= n_users <= FULL_USERS:
        raise ValueError(f"n_users must be an integer in 1..{FULL_USERS}, got {n_users!r}")
    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    plan = Plan.for_users(int(n_users))
    countries, alpha2 = load_countries()
    cweights = country_weights(countries, rng)
    cat = build_catalogue(rng, plan, alpha2, cweights)
    say(f"catalogue: {len(cat.mbids):,} MBID artists, {len(cat.texts) - cat.n_mbid_spellings:,} name-only "
        f"({time.perf_counter() - t0:.1f}s)")
    users = build_users(rng, plan, cweights, cat.scene_share)

    lines, profile_dirt = profile_lines(rng, plan, users, countries)
    with open(out_dir / PROFILE_FILE, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines) + "\n")
    n_profile_lines = len(lines)
    say(f"profile: {n_profile_lines:,} lines ({time.perf_counter() - t0:.1f}s)")

    chunks = list(range(0, plan.n_users, CHUNK_USERS))
    share = np.diff(chunks + [plan.n_users]) / plan.n_users
    per_chunk = {k: rng.multinomial(v, share) for k, v in plan.dirt.items() if not k.startswith(("profile", "age"))}
    is_quote = np.array(['"' in t for t in cat.texts])
    is_unicode = np.array([not t.isascii() for t in cat.texts])
    used = np.zeros(len(cat.texts), dtype=bool)
    plays = dict.fromkeys(["play_lines", "play_rows", "name_only_rows", "quote_name_rows", "unicode_name_rows",
                           "users_with_plays"], 0)
    plays_dirt: dict[str, int] = dict.fromkeys(per_chunk, 0)
    with open(out_dir / PLAYS_FILE, "w", encoding="utf-8", newline="") as f:
        for c, lo in enumerate(chunks):
            hi = min(lo + CHUNK_USERS, plan.n_users)
            q = {k: int(v[c]) for k, v in per_chunk.items()}
            ch, row_dirt = inject_row_dirt(rng, cat, make_rows(rng, cat, users, lo, hi), q)
            chunk_lines, line_dirt = format_play_lines(rng, cat, users, ch, q)
            if chunk_lines:
                f.write("\n".join(chunk_lines) + "\n")
            for k, v in {**row_dirt, **line_dirt}.items():
                plays_dirt[k] += v
            plays["play_lines"] += len(chunk_lines)
            plays["play_rows"] += ch.user.size
            plays["name_only_rows"] += int((ch.artist < 0).sum())
            plays["quote_name_rows"] += int(is_quote[ch.text].sum())
            plays["unicode_name_rows"] += int(is_unicode[ch.text].sum())
            plays["users_with_plays"] += int(np.count_nonzero(np.diff(ch.user))) + 1 if ch.user.size else 0
            used[ch.text] = True
            if len(chunks) > 4 and (c % 8 == 7 or hi == plan.n_users):
                say(f"plays: {hi:,}/{plan.n_users:,} users, {plays['play_lines']:,} lines "
                    f"({time.perf_counter() - t0:.1f}s)")
    owner = np.repeat(np.arange(len(cat.mbids)), cat.n_spell)
    used_mbid = used[:cat.n_mbid_spellings]
    return {
        "users": plan.n_users,
        "profile_users": int(users.has_profile.sum()),
        "cold_users": plan.cold_users,
        "no_profile_users": plan.no_profile_users,
        "profile_lines": n_profile_lines,
        **plays,
        "mbid_artists": int(np.unique(owner[used_mbid]).size),
        "mbid_spellings": int(used_mbid.sum()),
        "name_only_artists": int(used[cat.n_mbid_spellings:].sum()),
        **plays_dirt,
        **profile_dirt,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; see ``--help``."""
    ap = argparse.ArgumentParser(
        prog="python -m lastfm_recs.sample_data",
        description=f"Write a synthetic Last.fm 360K dataset ({PLAYS_FILE} and {PROFILE_FILE}) into a "
                    "directory. The same --users and --seed always give byte-identical files.")
    ap.add_argument("--users", type=int, required=True,
                    help=f"number of distinct users, 1..{FULL_USERS} (the full dataset size); "
                         "about 48.8 play rows per user")
    ap.add_argument("--seed", type=int, default=0, help="random seed, a non-negative integer (default 0)")
    ap.add_argument("--out", type=Path, required=True, help="output directory (created if missing; "
                    "existing files of the same names are overwritten)")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = ap.parse_args(argv)
    if not 1 <= args.users <= FULL_USERS:
        ap.error(f"--users must be in 1..{FULL_USERS}, got {args.users}")
    if args.seed < 0:
        ap.error(f"--seed must be a non-negative integer, got {args.seed}")
    if args.out.exists() and not args.out.is_dir():
        ap.error(f"--out must be a directory, found a file at {args.out}")

    def progress(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    counts = generate_dataset(args.out, args.users, args.seed, None if args.quiet else progress)
    for k, v in counts.items():
        print(f"{k}\t{v}")
    return 0

