"""rp3beta, ials and ease_budget against naive references on tiny data:
loops over the formulas of their module docstrings, numpy solves."""
from __future__ import annotations

import math

import numpy as np
import pytest

from lastfm_recs.models import rp3beta
from lastfm_recs.models.ease import fit_ease
from lastfm_recs.models.ease_budget import BYTES_PER_ENTRY, artists_for_budget, fit_ease_budget
from lastfm_recs.models.ials import fit_ials, ials_factors
from lastfm_recs.models.rp3beta import fit_rp3beta
from lastfm_recs.recommenders import FITTERS, parameters
from model_inputs import as_lists, assert_same_lists, inputs_from, naive_lists, random_plays


def naive_rp3beta_scores(plays: np.ndarray, alpha: float, beta: float, neighbors: int, log: bool) -> np.ndarray:
    """The rp3beta formulas as loops (dense): P_ua, P_au, W, top-k rows, s."""
    w = np.log1p(plays) if log else (plays > 0).astype(float)
    n_users, n_artists = w.shape
    p_ua = np.zeros_like(w)
    p_au = np.zeros((n_artists, n_users))
    for u in range(n_users):
        for a in range(n_artists):
            if w[u, a] > 0:
                p_ua[u, a] = (w[u, a] / w[u].sum()) ** alpha
                p_au[a, u] = (w[u, a] / w[:, a].sum()) ** alpha
    similarity = np.zeros((n_artists, n_artists))
    for i in range(n_artists):
        row = []
        for j in range(n_artists):
            listeners_j = (plays[:, j] > 0).sum()
            if i == j or listeners_j == 0:
                continue
            value = sum(p_au[i, u] * p_ua[u, j] for u in range(n_users)) / listeners_j ** beta
            if value > 0:
                row.append((-value, j))
        for value, j in sorted(row)[:neighbors]:
            similarity[i, j] = -value
    return p_ua @ similarity


@pytest.mark.parametrize("alpha, beta, neighbors, weighting", [
    (1.0, 0.0, 100, "binary"),   # P3, no truncation
    (0.7, 0.5, 100, "binary"),
    (1.3, 0.8, 3, "log"),        # truncated rows (log weights: no ties at the cut)
])
def test_rp3beta_matches_the_loops(alpha, beta, neighbors, weighting):
    plays = random_plays(3, 12, 9, density=0.35, cold=[5])
    model = fit_rp3beta(inputs_from(plays), np.random.default_rng(0), alpha=alpha, beta=beta,
                        neighbors=neighbors, weighting=weighting)
    expected = naive_lists(naive_rp3beta_scores(plays, alpha, beta, neighbors, weighting == "log"),
                           plays > 0, range(12), 4)
    assert 5 not in expected
    assert_same_lists(as_lists(model.recommend(np.arange(12), 4)), expected)



def test_rp3beta_in_blocks_of_a_few_artists_matches_the_loops(monkeypatch):
    """The similarity rows computed a few artists at a time (the block bound
    at 2 rows of 9 artists) give the loops' lists."""
    monkeypatch.setattr(rp3beta, "SIMILARITY_BLOCK_ENTRIES", 18)
    plays = random_plays(4, 12, 9, density=0.35, cold=[5])
    model = fit_rp3beta(inputs_from(plays), np.random.default_rng(0), alpha=0.9, beta=0.4, neighbors=4,
                        weighting="log")
    expected = naive_lists(naive_rp3beta_scores(plays, 0.9, 0.4, 4, True), plays > 0, range(12), 4)
    assert_same_lists(as_lists(model.recommend(np.arange(12), 4)), expected)

def naive_ials(plays: np.ndarray, init: np.ndarray, unobserved_weight: float, regularization: float,
               reg_exponent: float, epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """Alternating exact solves of the iALS normal equations, row by row."""
    observed = (plays > 0).astype(float)
    n_users, n_artists = observed.shape
    items = init.copy()
    users = np.zeros((n_users, init.shape[1]))
    for _ in range(epochs):
        for fixed, solved, matrix in ((items, users, observed), (users, items, observed.T)):
            for r in range(matrix.shape[0]):
                cols = np.flatnonzero(matrix[r])
                lam = regularization * (len(cols) + unobserved_weight * matrix.shape[1]) ** reg_exponent
                lhs = fixed[cols].T @ fixed[cols] + unobserved_weight * fixed.T @ fixed + lam * np.eye(init.shape[1])
                solved[r] = np.linalg.solve(lhs, fixed[cols].sum(axis=0))
    return users, items


@pytest.mark.parametrize("unobserved_weight, regularization, reg_exponent", [(0.1, 0.05, 1.0), (0.5, 1.0, 0.0)])
def test_ials_solver_matches_exact_solves(unobserved_weight, regularization, reg_exponent):
    plays = random_plays(7, 15, 11, density=0.3, cold=[2])
    init = np.random.default_rng(1).normal(0, 0.3, size=(11, 3))
    # CG on a 3-dimensional system is exact after 3 steps
    users, items = ials_factors(plays, init, unobserved_weight=unobserved_weight, regularization=regularization,
                                reg_exponent=reg_exponent, epochs=4, cg_steps=3)
    naive_users, naive_items = naive_ials(plays, init, unobserved_weight, regularization, reg_exponent, 4)
    np.testing.assert_allclose(users, naive_users, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(items, naive_items, rtol=1e-6, atol=1e-9)


def test_ials_recommends_the_top_dot_products():
    plays = random_plays(8, 20, 10, density=0.3)
    model = fit_ials(inputs_from(plays), np.random.default_rng(4), factors=4, epochs=6, cg_steps=4)
    scores = model.user_factors.astype(np.float64) @ model.item_factors.T.astype(np.float64)
    got = as_lists(model.recommend(np.arange(20), 3))
    expected = naive_lists(scores, plays > 0, range(20), 3)
    assert_same_lists(got, expected, rel=1e-5)


def test_ease_budget_keeps_what_the_budget_holds():
    # 1 MB holds floor(sqrt(2^20 / 24)) = 209 artists
    assert artists_for_budget(1.0, 10_000) == math.isqrt(2**20 // BYTES_PER_ENTRY) == 209
    assert artists_for_budget(1.0, 50) == 50
    assert artists_for_budget(4096.0, 10**6) ** 2 * BYTES_PER_ENTRY <= 4096 * 2**20
    plays = random_plays(5, 30, 12, density=0.3)
    inputs = inputs_from(plays)
    rng = np.random.default_rng(0)
    whole = fit_ease_budget(inputs, rng, memory_mb=100.0, l2=2.0)
    assert len(whole.head) == 12
    reference = fit_ease(inputs, rng, artists=12, l2=2.0)
    assert_same_lists(as_lists(whole.recommend(np.arange(30), 5)), as_lists(reference.recommend(np.arange(30), 5)))


def test_the_registry_knows_the_new_models():
    for name in ("rp3beta", "ials", "ease_budget"):
        assert name in FITTERS
    assert parameters("rp3beta") == {"alpha": 1.0, "beta": 0.5, "neighbors": 200, "weighting": "binary"}
    with pytest.raises(ValueError, match="beta"):
        fit_rp3beta(inputs_from(np.eye(3)), np.random.default_rng(0), beta=-1.0)
    with pytest.raises(ValueError, match="memory_mb"):
        fit_ease_budget(inputs_from(np.eye(3)), np.random.default_rng(0), memory_mb=0.0)
