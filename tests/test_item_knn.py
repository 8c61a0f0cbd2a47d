"""lastfm_recs.models.item_knn against a loop over sklearn's cosine similarity."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from lastfm_recs import similarity
from lastfm_recs.models import item_knn
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
    model = item_knn.fit_item_knn(inputs_from(plays), RNG, neighbors=k, weighting=weighting)
    got = as_lists(model.recommend(np.arange(30), 6))
    assert_same_lists(got, reference_item_knn(plays, weighting, k, 6))
    assert 4 not in got  # a cold user has no similar artists
    assert model.similar.diagonal().sum() == 0 and (np.diff(model.similar.indptr) <= k).all()


def test_item_knn_recommends_only_for_the_users_asked():
    plays = random_plays(2, 20, 10)
    model = item_knn.fit_item_knn(inputs_from(plays), RNG, neighbors=4)
    everyone = as_lists(model.recommend(np.arange(20), 3))
    assert as_lists(model.recommend(np.array([7, 2]), 3)) == {u: everyone[u] for u in (2, 7)}


def test_parameters_are_checked():
    inputs = inputs_from(random_plays(6, 5, 4))
    with pytest.raises(ValueError, match="neighbors: expected an integer >= 1, found 0"):
        item_knn.fit_item_knn(inputs, RNG, neighbors=0)


def test_blocks_split_by_cost_cover_every_row(monkeypatch):
    monkeypatch.setattr(similarity, "PRODUCT_BUDGET", 5)  # many tiny blocks: same result
    plays = random_plays(7, 25, 12)
    small = as_lists(item_knn.fit_item_knn(inputs_from(plays), RNG, neighbors=3).recommend(np.arange(25), 4))
    monkeypatch.undo()
    assert small == as_lists(item_knn.fit_item_knn(inputs_from(plays), RNG, neighbors=3).recommend(np.arange(25), 4))
