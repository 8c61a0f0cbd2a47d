"""Benchmark the seed kNN (lastfm_recs.models.user_knn) on random data shaped like Last.fm 360K.

    .venv/bin/python benchmarks/bench_knn.py --users 50000 --repeats 3 --compare-seed
    .venv/bin/python benchmarks/bench_knn.py --users 359347
    .venv/bin/python benchmarks/bench_knn.py --compare-seed \
        --warehouse data/bench/users-50000-seed-1/build/lastfm.duckdb

With --warehouse, the inputs are read from a warehouse `dbt build` wrote
(exactly what the dbt Python model gets, e.g. from benchmarks/bench_build.py
on the project's synthetic data); otherwise they come from the generator below.

Data (own generator, seeded; independent of lastfm_recs.sample_data):
artist popularity Zipf-Mandelbrot 1/(rank + 25) over 186,642 artists (top
artist heard by ~1 user in 5, like the real data), ~49 artists per user (most
users exactly 50, the dataset's cap), a fifth of a user's draws from a
country-specific taste, per-user plays ~ rank^-0.9 x lognormal, country counts
like the real data (US 67k, DE 32k, UK 30k, PL 25k, RU 20k, ... and a long
tail over ~240 countries), 1% without a country, 0.13% cold users, ages
~N(25, 7) with a fifth imputed to the mean, min-max scaled. Columns no user
heard are dropped (as when the real data is sampled) and artists are numbered
in random order (MBID order has nothing to do with popularity).

Prints wall time per phase (median over --repeats), peak RSS sampled during
the run, and with --compare-seed the seed's method on the same data
(sklearn NearestNeighbors(algorithm="brute", n_jobs=-1) on the stacked
[p | age | one-hot] matrix + the notebook's per-user Python loop with docs/spec.md section 2's
fixed semantics), the speed ratio and whether the recommendation lists match
(up to ties).
"""
from __future__ import annotations

import argparse
import resource
import threading
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from lastfm_recs.models.user_knn import exact_neighbors, neighbor_weights, score_top_n
from lastfm_recs.warehouse_io import load_scoring_inputs

FULL_USERS = 359_347
FULL_ARTISTS = 186_642
# Users per country in the real data, largest first (US, DE, UK, PL, RU, BR, SE, ES, FI, NL, ...).
TOP_COUNTRIES = [
    67044, 31651, 29902, 25114, 19833, 14534, 13122, 13051, 11579, 9650,
    8679, 7529, 7525, 7135, 6808, 6160, 5899, 5581, 5233, 5003,
    4938, 4473, 4437, 4375, 4231, 4159, 4004, 3850, 3827, 3487,
]
TAIL_COUNTRIES = 209


def country_shares() -> np.ndarray:
    """Share of each of the 239 countries: the top 30 as listed, the rest a power-law tail."""
    top = np.array(TOP_COUNTRIES, dtype=float)
    rest = FULL_USERS - top.sum()
    tail = 1.0 / (np.arange(1, TAIL_COUNTRIES + 1) + 3.0) ** 1.6
    tail *= rest / tail.sum()
    counts = np.concatenate([top, tail])
    return counts / counts.sum()


def generate(
    n_users: int,
    seed: int = 0,
    n_artists: int = FULL_ARTISTS,
    artists_per_user: float = 49.0,
    local_taste: float = 0.2,
    no_country: float = 0.01,
    cold: float = 0.0013,
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """(plays_share, cold_baseline, age_scaled, country_index) as the dbt model passes them."""
    rng = np.random.default_rng(seed)
    shares = country_shares()
    country = rng.choice(len(shares), size=n_users, p=shares)
    country[rng.random(n_users) < no_country] = -1

    # artists per user: mostly the cap of 50, the rest uniform below
    n_cap = 50
    p_cap = (artists_per_user - 25.0) / (n_cap - 25.0)
    count = np.where(rng.random(n_users) < p_cap, n_cap, rng.integers(1, n_cap, n_users))
    count[rng.random(n_users) < cold] = 0

    pop = 1.0 / (np.arange(1, n_artists + 1) + 25.0)
    pop /= pop.sum()
    draws = (count * 1.3).astype(np.int64) + 2  # oversample, then de-duplicate
    rows = np.repeat(np.arange(n_users), draws)
    cols = rng.choice(n_artists, size=len(rows), p=pop)
    # country-specific taste: a fifth of the draws go through a per-country permutation
    local = rng.random(len(rows)) < local_taste
    perms = {}
    for c in np.unique(country[rows[local]]):
        perms[c] = np.random.default_rng(seed * 1000 + int(c) + 7).permutation(n_artists)
    lc = country[rows[local]]
    lcols = cols[local]
    for c, perm in perms.items():
        sel = lc == c
        lcols[sel] = perm[lcols[sel]]
    cols[local] = lcols
    # de-duplicate per user, keep a random `count` of them
    key = rows * n_artists + cols
    key = np.unique(key)
    rows, cols = key // n_artists, key % n_artists
    order = np.lexsort((rng.random(len(rows)), rows))
    rows, cols = rows[order], cols[order]
    starts = np.searchsorted(rows, np.arange(n_users))
    rank = np.arange(len(rows)) - starts[rows]
    keep = rank < count[rows]
    rows, cols, rank = rows[keep], cols[keep], rank[keep]
    plays = np.floor(1000.0 * (rank + 1.0) ** -0.9 * rng.lognormal(0.0, 0.5, len(rows))) + 1.0

    used, cols = np.unique(cols, return_inverse=True)  # drop artists nobody heard
    cols = rng.permutation(len(used))[cols]  # artist index = MBID order: unrelated to popularity
    raw = sp.csr_matrix((plays, (rows, cols)), shape=(n_users, len(used)))
    totals = np.asarray(raw.sum(axis=1)).ravel()
    warm = totals > 0
    share = sp.csr_matrix(sp.diags(np.where(warm, 1.0 / np.where(warm, totals, 1.0), 0.0)) @ raw)
    baseline = np.asarray(raw[warm].mean(axis=0)).ravel()
    baseline /= baseline.sum()

    age = np.clip(np.round(rng.normal(25.0, 7.0, n_users)), 10, 80)
    junk = rng.random(n_users) < 0.01
    age[junk] = rng.integers(0, 101, junk.sum())
    imputed = rng.random(n_users) < 0.2
    age[imputed] = age[~imputed].mean()
    age_scaled = (age - age.min()) / (age.max() - age.min())
    return share, baseline, age_scaled, country.astype(np.int64)


def from_warehouse(path: Path) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """(plays_share, cold_baseline, age_scaled, country_index) read from a built warehouse."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    inputs = load_scoring_inputs(
        users=con.table("int_users_featured"),
        artists=con.table("int_artists_deduplicated_by_mbid"),
        plays_normalised=con.table("int_plays_normalised"),
        cold_baseline=con.table("int_cold_user_baseline"),
    )
    con.close()
    return inputs.plays_share, inputs.cold_baseline, inputs.age_scaled, inputs.country_index


class PeakRss:
    """Samples VmRSS every 20 ms in a thread; .peak is the largest seen (bytes)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def current() -> int:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.current())
            self._stop.wait(0.02)

    def __enter__(self) -> PeakRss:
        self.peak = self.current()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.current())


def run_ours(data, neighbors: int, top_n: int, threads: int | None, verbose: bool):
    plays, baseline, age, country = data
    progress = (lambda line: print("   ", line, flush=True)) if verbose else None
    t0 = time.perf_counter()
    idx, dist = exact_neighbors(plays, baseline, age, country, neighbors, n_threads=threads, progress=progress)
    t1 = time.perf_counter()
    w = neighbor_weights(dist)
    t2 = time.perf_counter()
    recs = score_top_n(plays, baseline, idx, w, top_n, n_threads=threads, progress=progress)
    t3 = time.perf_counter()
    return {"neighbours": t1 - t0, "weights": t2 - t1, "scoring": t3 - t2, "total": t3 - t0}, idx, dist, recs


def seed_method(data, neighbors: int, top_n: int):
    """The notebook's method with docs/spec.md section 2's semantics: brute-force sklearn kNN on the
    stacked matrix, then one Python iteration per user."""
    from sklearn.neighbors import NearestNeighbors

    plays, baseline, age, country = data
    n, n_artists = plays.shape
    cold = np.diff(plays.indptr) == 0
    p_full = sp.lil_matrix(plays)
    for u in np.flatnonzero(cold):
        p_full[u] = baseline
    p_full = sp.csr_matrix(p_full)
    codes = np.unique(country[country >= 0])
    onehot = sp.csr_matrix((country[:, None] == codes[None, :]).astype(float))
    x = sp.hstack([p_full, sp.csr_matrix(age[:, None]), onehot], format="csr")
    t0 = time.perf_counter()
    k = min(neighbors, n - 1)
    nn = NearestNeighbors(n_neighbors=k + 1, algorithm="brute", n_jobs=-1).fit(x)
    distances, indices = nn.kneighbors(x)
    t1 = time.perf_counter()
    # drop the user itself (or, if it is not returned among exact duplicates, the farthest)
    is_self = indices == np.arange(n)[:, None]
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k)
    keep = np.ones_like(indices, dtype=bool)
    keep[np.arange(n), drop] = False
    indices = indices[keep].reshape(n, k)
    distances = distances[keep].reshape(n, k)
    max_d = distances.max()
    users, ranks, artists, scores = [], [], [], []
    for u in range(n):
        weights = 1 - distances[u] / max_d if max_d > 0 else np.ones(k)
        pred = p_full[indices[u]].multiply(weights[:, np.newaxis]).mean(axis=0).A[0]
        pred[plays[u].indices] = 0  # listened (a cold user listened to nothing)
        cand = np.flatnonzero(pred > 0)
        order = np.lexsort((cand, -pred[cand]))[:top_n]
        top = cand[order]
        users.append(np.full(len(top), u))
        ranks.append(np.arange(1, len(top) + 1))
        artists.append(top)
        scores.append(pred[top])
    t2 = time.perf_counter()
    recs = tuple(np.concatenate(a) for a in (users, ranks, artists, scores))
    return {"sklearn kNN": t1 - t0, "per-user loop": t2 - t1, "total": t2 - t0}, indices, distances, recs


def compare_recs(ours, theirs, n_users: int, rtol: float = 1e-9) -> tuple[int, int, int]:
    """(identical lists, lists equal up to tied scores, different) over users."""
    def split(recs):
        u, _, a, s = recs
        bounds = np.searchsorted(u, np.arange(n_users + 1))
        return [(a[bounds[i]:bounds[i + 1]], s[bounds[i]:bounds[i + 1]]) for i in range(n_users)]

    same = tied = diff = 0
    for (a1, s1), (a2, s2) in zip(split(ours), split(theirs)):
        if len(a1) == len(a2) and np.array_equal(a1, a2):
            same += 1
        elif len(a1) == len(a2) and np.allclose(s1, s2, rtol=rtol, atol=1e-15):
            tied += 1  # same scores position by position: only tied artists differ
        else:
            diff += 1
    return same, tied, diff


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--neighbors", type=int, default=99)
    ap.add_argument("--top-n", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=1, help="runs of our method; medians are printed")
    ap.add_argument("--threads", type=int, default=None, help="worker threads (default: all CPUs)")
    ap.add_argument("--compare-seed", action="store_true", help="also run the seed's method (slow)")
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    ap.add_argument("--warehouse", type=Path,
                    help="read the inputs from this built warehouse instead of generating them")
    args = ap.parse_args()

    t = time.perf_counter()
    if args.warehouse:
        if not args.warehouse.exists():
            ap.error(f"--warehouse {args.warehouse} does not exist (build it with benchmarks/bench_build.py)")
        data = from_warehouse(args.warehouse)
    else:
        data = generate(args.users, args.seed)
    plays = data[0]
    n_countries = len(np.unique(data[3][data[3] >= 0]))
    print(
        f"data: {plays.shape[0]:,} users x {plays.shape[1]:,} artists, {plays.nnz / plays.shape[0]:.1f} "
        f"artists/user, {int((np.diff(plays.indptr) == 0).sum())} cold, {n_countries} countries, "
        f"{int((data[3] < 0).sum())} without country (loaded in {time.perf_counter() - t:.1f} s)",
        flush=True,
    )
    rss_before = PeakRss.current()
    runs = []
    with PeakRss() as rss:
        for i in range(args.repeats):
            times, idx, dist, recs = run_ours(data, args.neighbors, args.top_n, args.threads, not args.quiet and i == 0)
            runs.append(times)
            print(f"run {i + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()), flush=True)
    med = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
    print(
        f"ours (median of {len(runs)}): "
        + ", ".join(f"{k} {v:.2f} s" for k, v in med.items())
        + f"; peak RSS {rss.peak / 2**30:.2f} GiB (before: {rss_before / 2**30:.2f} GiB, "
        f"max RSS of the process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB)",
        flush=True,
    )
    print(f"recommendations: {len(recs[0]):,} rows for {len(np.unique(recs[0])):,} users")

    if args.compare_seed:
        seed_times, s_idx, s_dist, s_recs = seed_method(data, args.neighbors, args.top_n)
        print("seed: " + ", ".join(f"{k} {v:.2f} s" for k, v in seed_times.items()), flush=True)
        print(f"speed ratio seed / ours: {seed_times['total'] / med['total']:.1f}x "
              f"(neighbours {seed_times['sklearn kNN'] / med['neighbours']:.1f}x, "
              f"scoring {seed_times['per-user loop'] / med['scoring']:.1f}x)")
        dist_err = float(np.abs(np.sort(s_dist, axis=1) - dist).max())
        same_sets = int(sum(set(a) == set(b) for a, b in zip(idx, s_idx)))
        print(f"neighbour distances max |diff| {dist_err:.2e}; identical neighbour sets for "
              f"{same_sets:,}/{plays.shape[0]:,} users (the rest differ only among tied distances "
              f"if the distance diff is ~0)")
        same, tied, diff = compare_recs(recs, s_recs, plays.shape[0])
        print(f"recommendation lists: {same:,} identical, {tied:,} equal up to ties, {diff:,} different")


if __name__ == "__main__":
    main()
