"""lastfm_recs.models.als against a plain numpy implementation of the same sweeps."""
from __future__ import annotations

import numpy as np
import pytest

from lastfm_recs.models import als
from lastfm_recs.weighting import weight_plays
from model_inputs import as_lists, assert_same_lists, inputs_from, naive_lists, random_plays


def numpy_als(confidence: np.ndarray, factors: int, regularization: float, iterations: int, seed: int):
    """Hu et al.'s ALS with exact solves, in implicit's order and initialisation."""
    n_users, n_items = confidence.shape
    preference = (confidence > 0).astype(float)
    c = np.where(confidence > 0, confidence, 1.0)
    rng = np.random.default_rng(seed)
    x = rng.random((n_users, factors), dtype=np.float32).astype(float) * 0.01
    y = rng.random((n_items, factors), dtype=np.float32).astype(float) * 0.01
    for _ in range(iterations):
        for u in range(n_users):
            a = (y.T * c[u]) @ y + regularization * np.eye(factors)
            x[u] = np.linalg.solve(a, (y.T * c[u]) @ preference[u])
        for i in range(n_items):
            a = (x.T * c[:, i]) @ x + regularization * np.eye(factors)
            y[i] = np.linalg.solve(a, (x.T * c[:, i]) @ preference[:, i])
    return x, y


@pytest.mark.parametrize("weighting,alpha", [("binary", 1.0), ("log", 10.0), ("bm25", 3.0)])
def test_als_exact_solver_matches_numpy(weighting, alpha):
    plays = random_plays(2, 25, 14, density=0.3, cold=[7])
    inputs = inputs_from(plays)
    model = als.fit_als(inputs, np.random.default_rng(5), factors=4, regularization=0.1, alpha=alpha,
                                  iterations=6, weighting=weighting, use_cg=False)
    w = weight_plays(inputs.plays, weighting).toarray()
    confidence = np.where(plays > 0, 1 + alpha * w / w[plays > 0].mean(), 0.0)
    seed = int(np.random.default_rng(5).integers(2**31 - 1))
    x, y = numpy_als(confidence, 4, 0.1, 6, seed)
    np.testing.assert_allclose(model.user_factors @ model.item_factors.T, x @ y.T, rtol=2e-3, atol=2e-4)
    expected = naive_lists(model.user_factors.astype(float) @ model.item_factors.T.astype(float),
                           plays > 0, range(25), 5)
    assert_same_lists(as_lists(model.recommend(np.arange(25), 5)), expected, rel=1e-5)
    assert 7 not in as_lists(model.recommend(np.arange(25), 5))  # a cold user: all scores 0


def test_als_conjugate_gradient_lands_near_the_exact_solution():
    """The default solver (3 CG steps a sweep) is an approximation: after 40
    sweeps its scores are within 0.05 of the exact solver's (scores ~ 0..1)
    and the top-5 lists share at least 90% of their artists."""
    plays = random_plays(3, 60, 30, density=0.2)
    inputs = inputs_from(plays)
    kwargs = dict(factors=6, regularization=0.5, alpha=2.0, iterations=40, weighting="log")
    cg = als.fit_als(inputs, np.random.default_rng(1), use_cg=True, **kwargs)
    exact = als.fit_als(inputs, np.random.default_rng(1), use_cg=False, **kwargs)
    np.testing.assert_allclose(cg.user_factors @ cg.item_factors.T, exact.user_factors @ exact.item_factors.T,
                               atol=0.05)
    a, b = as_lists(cg.recommend(np.arange(60), 5)), as_lists(exact.recommend(np.arange(60), 5))
    shared = sum(len({x for x, _ in a[u]} & {x for x, _ in b[u]}) for u in b)
    assert shared >= 0.9 * sum(len(b[u]) for u in b)


def test_parameters_are_checked():
    inputs = inputs_from(random_plays(4, 6, 5))
    with pytest.raises(ValueError, match="factors: expected an integer >= 1, found 0"):
        als.fit_als(inputs, np.random.default_rng(0), factors=0)
