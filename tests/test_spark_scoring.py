"""The pure part of the Spark scoring step (lastfm_recs.spark_scoring) that
runs without Spark: the cross-country pool search, against a naive loop over
the feature vectors. The Spark build as a whole is checked against the DuckDB
build by tests/test_spark_same_answers.py."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from lastfm_recs.spark_scoring import nearest_in_pool
from model_inputs import random_plays


def _features(plays: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    totals = plays.sum(1, keepdims=True)
    share = np.divide(plays, totals, out=np.zeros_like(plays, dtype=float), where=totals > 0)
    share[totals[:, 0] == 0] = baseline  # cold users are the baseline
    return share


def test_nearest_in_pool_matches_a_naive_search():
    rng = np.random.default_rng(3)
    plays = random_plays(5, 60, 25, density=0.2).astype(float)
    plays[[3, 41, 50]] = 0  # cold users on both sides
    baseline = plays.sum(0) / plays.sum()
    age = rng.random(60)
    queries, pool = np.arange(0, 20), np.arange(20, 60)
    x = _features(plays, baseline)
    share = sp.csr_matrix(np.where(plays.sum(1, keepdims=True) > 0, x, 0.0))
    cold = plays.sum(1) == 0
    bound = np.full(len(queries), np.inf)
    bound[:5] = 1.3  # a finite bound drops the farther candidates
    k, offset = 7, 2.0
    qi, pi, d2 = nearest_in_pool(share[queries], cold[queries], age[queries], bound, share[pool], cold[pool],
                                 age[pool], baseline, offset, k)
    for row, user in enumerate(queries):
        naive = sorted(
            (float(((x[user] - x[v]) ** 2).sum() + (age[user] - age[v]) ** 2 + offset), int(v)) for v in pool)
        expected = [(d, v) for d, v in naive if d <= bound[row]][:k]
        got = sorted((float(d), int(pool[p])) for d, p in zip(d2[qi == row], pi[qi == row]))
        assert [v for _, v in got] == [v for _, v in expected], f"query {user}"
        np.testing.assert_allclose([d for d, _ in got], [d for d, _ in expected], rtol=1e-12)
    assert (qi < 5).sum() < 5 * k  # the bound cut some lists short


def test_nearest_in_pool_with_fewer_pool_users_than_k():
    plays = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]))
    qi, pi, d2 = nearest_in_pool(plays[:1], np.array([False]), np.zeros(1), np.array([np.inf]), plays[1:],
                                 np.array([False, False]), np.zeros(2), np.array([0.5, 0.5]), 1.0, 5)
    assert sorted(zip(pi.tolist(), d2.tolist())) == [(0, 3.0), (1, 1.5)]
