"""ScoringInputs built from small dense arrays, for the model tests."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from lastfm_recs.inputs import ScoringInputs


def inputs_from(plays, age=None, country=None, age_band=None) -> ScoringInputs:
    """plays: (n_users, n_artists) play counts (0 = not played)."""
    dense = np.array(plays, dtype=float)
    n, _ = dense.shape
    totals = dense.sum(1, keepdims=True)
    share = np.divide(dense, totals, out=np.zeros_like(dense), where=totals > 0)
    baseline = dense.sum(0) / dense.sum() if dense.sum() else np.zeros(dense.shape[1])
    return ScoringInputs(
        plays_share=sp.csr_matrix(share),
        plays=sp.csr_matrix(dense),
        cold_baseline=baseline,
        age_scaled=np.zeros(n) if age is None else np.asarray(age, float),
        country_index=np.full(n, -1) if country is None else np.asarray(country),
        age_band_index=np.zeros(n, dtype=np.int64) if age_band is None else np.asarray(age_band),
    )


def random_plays(seed: int, n_users: int, n_artists: int, density: float = 0.25, cold=()) -> np.ndarray:
    """Integer plays with real-valued spread (so that ties are rare), some cold users."""
    rng = np.random.default_rng(seed)
    plays = (rng.random((n_users, n_artists)) < density) * rng.integers(1, 200, (n_users, n_artists))
    plays[list(cold)] = 0
    return plays


def naive_lists(scores: np.ndarray, played: np.ndarray, users, top_n: int) -> dict[int, list[tuple[int, float]]]:
    """Per user: the top_n unplayed artists with a positive score, ties by index."""
    out = {}
    for u in users:
        allowed = [(-scores[u, a], a) for a in range(scores.shape[1]) if scores[u, a] > 0 and not played[u, a]]
        chosen = sorted(allowed)[:top_n]
        if chosen:
            out[int(u)] = [(a, -s) for s, a in chosen]
    return out


def as_lists(result) -> dict[int, list[tuple[int, float]]]:
    """Recommendations as user -> [(artist, score)], checking ranks run 1, 2, ..."""
    out: dict[int, list[tuple[int, float]]] = {}
    for u, r, a, s in zip(*result):
        out.setdefault(int(u), []).append((int(a), float(s)))
        assert r == len(out[int(u)]), "ranks must run 1, 2, ... per user"
    return out


def assert_same_lists(got: dict, expected: dict, rel: float = 1e-9) -> None:
    assert set(got) == set(expected)
    for u in expected:
        assert [a for a, _ in got[u]] == [a for a, _ in expected[u]], u
        np.testing.assert_allclose([s for _, s in got[u]], [s for _, s in expected[u]], rtol=rel)
