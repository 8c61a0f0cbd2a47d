"""lastfm_recs.models.user_knn_cosine against a loop over sklearn's cosine similarity."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from lastfm_recs.models import user_knn_cosine
from lastfm_recs.weighting import weight_plays
from model_inputs import as_lists, assert_same_lists, inputs_from, naive_lists, random_plays

RNG = np.random.default_rng(0)


def reference_user_knn_cosine(plays, age, country, weighting, k, beta, top_n):
    inputs = inputs_from(plays, age=age, country=country)
    w = weight_plays(inputs.plays, weighting).toarray()
    cos = cosine_similarity(w)
    unit = w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-300)
    n = w.shape[0]
    scores = np.zeros_like(w)
    for u in range(n):
        sims = []
        for v in range(n):
            if v == u or cos[u, v] <= 1e-12:
                continue
            same = country[u] == country[v] and country[u] >= 0
            profile = (same + 1 - abs(age[u] - age[v])) / 2
            sims.append((-((1 - beta) * cos[u, v] + beta * profile), v))
        for neg, v in sorted(sims)[:k]:
            scores[u] += -neg * unit[v]
    return naive_lists(scores, plays > 0, range(n), top_n)


@pytest.mark.parametrize("k,beta", [(3, 0.0), (5, 0.1), (8, 0.5), (100, 1.0)])
def test_user_knn_cosine_matches_a_loop(k, beta):
    plays = random_plays(3, 35, 15, density=0.2, cold=[0, 9])
    age = np.random.default_rng(4).random(35)
    country = np.random.default_rng(5).integers(-1, 3, 35)
    model = user_knn_cosine.fit_user_knn_cosine(inputs_from(plays, age=age, country=country), RNG,
                                           neighbors=k, weighting="bm25", profile_weight=beta)
    got = as_lists(model.recommend(np.arange(35), 5))
    assert_same_lists(got, reference_user_knn_cosine(plays, age, country, "bm25", k, beta, 5))
    assert 0 not in got and 9 not in got


def test_parameters_are_checked():
    inputs = inputs_from(random_plays(6, 5, 4))
    with pytest.raises(ValueError, match=r"profile_weight: expected a number in \[0.0, 1.0\], found 1.5"):
        user_knn_cosine.fit_user_knn_cosine(inputs, RNG, profile_weight=1.5)
    with pytest.raises(ValueError, match="weighting: expected one of"):
        user_knn_cosine.fit_user_knn_cosine(inputs, RNG, weighting="raw")
