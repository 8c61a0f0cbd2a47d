"""How often "fans also like" stays in the artist's genre, on synthetic data.

    .venv/bin/python benchmarks/similar_artists_genres.py                     # the bundled sample
    .venv/bin/python benchmarks/similar_artists_genres.py --users 50000 --seed 1 \\
        --serving /tmp/w50k/lastfm_serving.duckdb

The generator (lastfm_recs.sample_data) gives every MBID artist a genre and
draws most of a user's artists from the user's 1-3 genres, so a good
similar-artist list should mostly stay in the artist's genre. This replays
the generator's catalogue for --users and --seed (the same random draws as
the files were written with) to recover each MBID's genre, then prints, over
the artists of the similar_artists table of the serving file:

- the share of similar artists in the artist's genre (all pairs; and the
  mean over artists);
- the same for a popularity baseline: each artist's list = the most
  listened other artists (same eligibility, same list length);
- chance: the share of same-genre pairs between random eligible artists.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import duckdb
import numpy as np

from lastfm_recs import sample_data

ROOT = Path(__file__).resolve().parents[1]


def artist_genres(n_users: int, seed: int) -> dict[str, int]:
    """MBID -> genre of the synthetic dataset of ``n_users`` and ``seed``,
    from the same draws as sample_data.generate_dataset (its catalogue is
    drawn right after the country weights)."""
    rng = np.random.default_rng(seed)
    plan = sample_data.Plan.for_users(int(n_users))
    countries, alpha2 = sample_data.load_countries()
    cweights = sample_data.country_weights(countries, rng)
    catalogue = sample_data.build_catalogue(rng, plan, alpha2, cweights)
    # genre_cdf = genre + the cumulative share within it, in (0, 1]: the genre is ceil - 1
    genre = np.ceil(catalogue.genre_cdf).astype(np.int64) - 1
    return {catalogue.mbids[artist]: int(g) for artist, g in zip(catalogue.genre_ids, genre)}


def same_genre(pairs: list[tuple[str, str]], genre: dict[str, int]) -> tuple[float, float]:
    """(share of pairs in one genre, mean over sources of their share)."""
    hits: dict[str, list[bool]] = {}
    for source, other in pairs:
        hits.setdefault(source, []).append(genre[source] == genre[other])
    every = [hit for values in hits.values() for hit in values]
    return float(np.mean(every)), float(np.mean([np.mean(values) for values in hits.values()]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=2000, help="--users the data was generated with")
    parser.add_argument("--seed", type=int, default=42, help="--seed the data was generated with")
    parser.add_argument("--serving", type=Path,
                        default=Path(os.environ.get("LASTFM_SERVING_DB", ROOT / "warehouse/lastfm_serving.duckdb")))
    args = parser.parse_args(argv)
    genre = artist_genres(args.users, args.seed)
    with duckdb.connect(str(args.serving), read_only=True) as con:
        similar = con.execute("select artist_mbid, similar_artist_mbid, rank from similar_artists "
                              "order by artist_mbid, rank").fetchall()
        model = con.execute("select any_value(model) from artist_weights").fetchall()[0][0]
        eligible = dict(con.execute(
            "select artist_mbid, listeners from artists where artist_mbid in "
            "(select artist_mbid from similar_artists union select similar_artist_mbid from similar_artists)"
        ).fetchall())
        minimum = min(eligible.values()) if eligible else 0
        popular = [row[0] for row in con.execute(
            "select artist_mbid from artists where listeners >= ? order by listeners desc, artist_mbid",
            [minimum]).fetchall()]
    unknown = {mbid for pair in similar for mbid in pair[:2]} - genre.keys()
    if unknown:
        raise SystemExit(f"{len(unknown)} artists of {args.serving} are not in the catalogue of --users "
                         f"{args.users} --seed {args.seed}: is that the data the file was built from?")
    pairs = [(source, other) for source, other, _ in similar]
    length: dict[str, int] = {}
    for source, _ in pairs:
        length[source] = length.get(source, 0) + 1
    baseline = []
    for source, n in length.items():
        baseline += [(source, other) for other in [a for a in popular[:n + 1] if a != source][:n]]
    rng = np.random.default_rng(0)
    pool = np.array(popular)
    draws = rng.choice(len(pool), size=(20000, 2))
    chance = float(np.mean([genre[pool[i]] == genre[pool[j]] for i, j in draws if i != j]))
    model_all, model_mean = same_genre(pairs, genre)
    pop_all, pop_mean = same_genre(baseline, genre)
    print(f"data: --users {args.users} --seed {args.seed}; serving file {args.serving}; weights of {model}")
    print(f"{len(length):,} artists with similar artists (>= {minimum} listeners), {len(pairs):,} pairs, "
          f"{len(set(genre.values()))} genres")
    print("| list | same-genre share (all pairs) | mean over artists |")
    print("| --- | --- | --- |")
    print(f"| similar_artists ({model}) | {model_all:.1%} | {model_mean:.1%} |")
    print(f"| most listened (baseline) | {pop_all:.1%} | {pop_mean:.1%} |")
    print(f"| random eligible pair (chance) | {chance:.1%} | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
