"""lastfm_recs.cosine_knn: item_knn and user_knn_cosine against loops over
scikit-learn's cosine similarities on tiny data."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from lastfm_recs import cosine_knn
from lastfm_recs.weighting import weight_plays
from model_inputs import as_lists, assert_same_lists, inputs_from, naive_lists, random_plays

RNG = np.random.default_rng(0)


def reference_item_knn(plays, weighting, k, top_n):
    inputs = inputs_from(plays)
    w = weight_plays(inputs.plays, weighting).toarray()
    cos = cosine_similarity(w.T)
    similar = np.zeros_like(cos)
    for i in range(cos.shape[0]):
        others = sorted((-cos[i, j], j) for j in range(cos.shape[0]) if j != i and cos[i, j] > 1e-12)
        for neg, j in others[:k]:
            similar[i, j] = -neg
    scores = np.zeros_like(w)
    for u in range(w.shape[0]):
        for i in np.flatnonzero(w[u]):
            scores[u] += w[u, i] * similar[i]
    return naive_lists(scores, plays > 0, range(w.shape[0]), top_n)


@pytest.mark.parametrize("weighting,k", [("bm25", 3), ("tfidf", 5), ("binary", 100), ("log", 1)])
def test_item_knn_matches_a_loop(weighting, k):
    plays = random_plays(1, 30, 18, cold=[4])
    model = cosine_knn.fit_item_knn(inputs_from(plays), RNG, neighbors=k, weighting=weighting)
    got = as_lists(model.recommend(np.arange(30), 6))
    assert_same_lists(got, reference_item_knn(plays, weighting, k, 6))
    assert 4 not in got  # a cold user has no similar artists
    assert model.similar.diagonal().sum() == 0 and (np.diff(model.similar.indptr) <= k).all()


def test_item_knn_recommends_only_for_the_users_asked():
    plays = random_plays(2, 20, 10)
    model = cosine_knn.fit_item_knn(inputs_from(plays), RNG, neighbors=4)
    everyone = as_lists(model.recommend(np.arange(20), 3))
    assert as_lists(model.recommend(np.array([7, 2]), 3)) == {u: everyone[u] for u in (2, 7)}


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
    model = cosine_knn.fit_user_knn_cosine(inputs_from(plays, age=age, country=country), RNG,
                                           neighbors=k, weighting="bm25", profile_weight=beta)
    got = as_lists(model.recommend(np.arange(35), 5))
    assert_same_lists(got, reference_user_knn_cosine(plays, age, country, "bm25", k, beta, 5))
    assert 0 not in got and 9 not in got


def test_parameters_are_checked():
    inputs = inputs_from(random_plays(6, 5, 4))
    with pytest.raises(ValueError, match="neighbors: expected an integer >= 1, found 0"):
        cosine_knn.fit_item_knn(inputs, RNG, neighbors=0)
    with pytest.raises(ValueError, match=r"profile_weight: expected a number in \[0.0, 1.0\], found 1.5"):
        cosine_knn.fit_user_knn_cosine(inputs, RNG, profile_weight=1.5)
    with pytest.raises(ValueError, match="weighting: expected one of"):
        cosine_knn.fit_user_knn_cosine(inputs, RNG, weighting="raw")


def test_blocks_split_by_cost_cover_every_row(monkeypatch):
    monkeypatch.setattr(cosine_knn, "PRODUCT_BUDGET", 5)  # many tiny blocks: same result
    plays = random_plays(7, 25, 12)
    small = as_lists(cosine_knn.fit_item_knn(inputs_from(plays), RNG, neighbors=3).recommend(np.arange(25), 4))
    monkeypatch.undo()
    assert small == as_lists(cosine_knn.fit_item_knn(inputs_from(plays), RNG, neighbors=3).recommend(np.arange(25), 4))
