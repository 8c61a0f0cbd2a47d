"""lastfm_recs.models.hybrid: the blend against a hand computation with stub components."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from lastfm_recs.models import hybrid, profile_popularity
from model_inputs import as_lists, inputs_from, random_plays


@dataclass
class Stub:
    """A fitted model with fixed lists: user -> [(artist, score)]."""

    lists: dict[int, list[tuple[int, float]]]

    def recommend(self, users, top_n):
        rows = [(u, r, a, s) for u in sorted(set(users.tolist())) for r, (a, s) in
                enumerate(self.lists.get(u, [])[:top_n], start=1)]
        return tuple(np.array([x[i] for x in rows], dtype=float if i == 3 else np.int64) for i in range(4))


def test_hybrid_blends_normalised_scores_and_serves_cold_users_the_prior():
    plays = np.array([
        [3, 0, 0, 0, 0, 0],
        [0, 2, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0],  # cold
    ])
    inputs = inputs_from(plays, country=[0, 0, 0])
    a = Stub({0: [(1, 4.0), (2, 2.0)], 1: [(0, 10.0), (3, 5.0)], 2: [(5, 9.0)]})
    b = Stub({0: [(2, 0.5), (4, 0.25)], 1: [(3, 3.0)]})
    prior = profile_popularity.fit_profile_popularity(inputs, np.random.default_rng(0))
    fitted = []

    def fit_component(name):
        fitted.append(name)
        return {"a": a, "b": b, "profile_popularity": prior}[name]

    model = hybrid.fit_hybrid(inputs, np.random.default_rng(0), weights={"a": 1.0, "b": 0.5, "unused": 0.0},
                              candidates=10, fit_component=fit_component)
    assert fitted == ["a", "b", "profile_popularity"]  # a weight of 0 is not fitted
    got = as_lists(model.recommend(np.arange(3), 3))
    # user 0: a normalised by 4, b by 0.5: artist 1 = 1.0, 2 = 0.5 + 0.5 * 1.0 = 1.0, 4 = 0.5 * 0.5
    assert got[0] == [(1, 1.0), (2, 1.0), (4, 0.25)]  # the tie goes to the smaller index
    # user 1: artist 0 = 1.0, 3 = 0.5 + 0.5 * 1.0 = 1.0
    assert got[1] == [(0, 1.0), (3, 1.0)]
    # the cold user gets the prior's list, not a's
    assert got[2] == as_lists(prior.recommend(np.array([2]), 3))[2]


def test_hybrid_weights_are_checked():
    inputs = inputs_from(random_plays(2, 5, 4))
    fit = lambda name: None  # noqa: E731
    with pytest.raises(ValueError, match="at least one weight > 0"):
        hybrid.fit_hybrid(inputs, np.random.default_rng(0), weights={"ease": 0.0}, fit_component=fit)
    with pytest.raises(ValueError, match="cannot blend itself"):
        hybrid.fit_hybrid(inputs, np.random.default_rng(0), weights={"hybrid": 1.0}, fit_component=fit)
    with pytest.raises(ValueError, match=r"weights\[ease\]: expected a number"):
        hybrid.fit_hybrid(inputs, np.random.default_rng(0), weights={"ease": -1.0}, fit_component=fit)
