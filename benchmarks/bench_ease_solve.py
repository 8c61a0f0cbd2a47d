"""EASE's dense solve: P = (G + l2 I)^-1 by Cholesky inversion (potrf + potri,
lastfm_recs.models.ease.ease_weights) against the previous solve of the
Cholesky factor against the identity (cho_solve), same matrix, same run.

    .venv/bin/python benchmarks/bench_ease_solve.py --size 8000 --repeats 3

G is the gram matrix of a random binary user x artist matrix (--size
artists, 5% density over 2,000 users), l2 = 500, as at the sample's 7,868 +
151 profile columns. Prints the median seconds of each and the ratio, and
the largest relative difference of B between the two.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import scipy.linalg

from lastfm_recs.models.ease import ease_weights


def weights_by_cho_solve(gram: np.ndarray, l2: float) -> np.ndarray:
    """The solve ease_weights used before potri, as the baseline."""
    g = gram + l2 * np.eye(len(gram))
    factor = scipy.linalg.cho_factor(g, overwrite_a=True, check_finite=False)
    p = scipy.linalg.cho_solve(factor, np.eye(len(g)), overwrite_b=True, check_finite=False)
    p /= -np.diag(p).copy()[None, :]
    p[np.diag_indices_from(p)] = 0.0
    return p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=8000, help="artists (rows and columns of G)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--l2", type=float, default=500.0)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    plays = (rng.random((2000, args.size)) < 0.05).astype(np.float64)
    gram = plays.T @ plays
    times = {"cho_solve (before)": [], "potrf + potri (now)": []}
    for _ in range(args.repeats):
        start = time.perf_counter()
        before = weights_by_cho_solve(gram, args.l2)
        times["cho_solve (before)"].append(time.perf_counter() - start)
        del before
        start = time.perf_counter()
        now = ease_weights(gram, args.l2)
        times["potrf + potri (now)"].append(time.perf_counter() - start)
    before = weights_by_cho_solve(gram, args.l2)
    difference = float(np.abs(now - before).max() / np.abs(before).max())
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"{name:22s} median {value:7.2f} s of {args.repeats} ({', '.join(f'{t:.2f}' for t in times[name])})")
    print(f"ratio before / now: {medians['cho_solve (before)'] / medians['potrf + potri (now)']:.2f}x; "
          f"largest difference of B relative to its largest entry: {difference:.1e}")


if __name__ == "__main__":
    main()
