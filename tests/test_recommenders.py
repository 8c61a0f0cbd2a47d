"""lastfm_recs.recommenders: the evaluation's models on tiny hand-made cases."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from lastfm_recs import recommenders as rec
from lastfm_recs.knn import recommend_user_knn
from lastfm_recs.warehouse_io import ScoringInputs


def inputs_from(plays: list[list[float]], age=None, country=None) -> ScoringInputs:
    dense = np.array(plays, dtype=float)
    n, m = dense.shape
    share = np.divide(dense, dense.sum(1, keepdims=True), out=np.zeros_like(dense), where=dense.sum(1, keepdims=True) > 0)
    baseline = dense.sum(0) / dense.sum()
    return ScoringInputs(
        plays_share=sp.csr_matrix(share),
        plays=sp.csr_matrix(dense),
        cold_baseline=baseline,
        age_scaled=np.zeros(n) if age is None else np.asarray(age, float),
        country_index=np.full(n, -1) if country is None else np.asarray(country),
    )


# 4 users x 6 artists; listeners: a0 3, a1 2, a2 1, a3 1, a4 0, a5 0; user 3 is cold.
TINY = inputs_from([
    [5, 1, 0, 0, 0, 0],
    [2, 0, 2, 0, 0, 0],
    [1, 1, 0, 1, 0, 0],
    [0, 0, 0, 0, 0, 0],
])


def as_lists(result) -> dict[int, list[tuple[int, float]]]:
    user, rank, artist, score = result
    lists: dict[int, list[tuple[int, float]]] = {}
    for u, r, a, s in zip(user, rank, artist, score):
        lists.setdefault(int(u), []).append((int(a), float(s)))
        assert r == len(lists[int(u)]), "ranks must run 1, 2, ... per user"
    return lists


def test_popularity_by_hand():
    # order by listeners, ties by index: a0 (3/4), a1 (2/4), a2 (1/4), a3 (1/4); a4, a5 have none
    got = as_lists(rec.popularity(TINY, np.arange(4), 2, np.random.default_rng(0)))
    assert got == {
        0: [(2, 0.25), (3, 0.25)],  # a0, a1 seen
        1: [(1, 0.5), (3, 0.25)],  # a0, a2 seen
        2: [(2, 0.25)],  # a0, a1, a3 seen: only a2 is left with a listener
        3: [(0, 0.75), (1, 0.5)],  # cold: the most popular
    }


def test_popularity_only_for_the_users_asked():
    got = as_lists(rec.popularity(TINY, np.array([3, 1]), 1, np.random.default_rng(0)))
    assert got == {1: [(1, 0.5)], 3: [(0, 0.75)]}
    assert as_lists(rec.popularity(TINY, np.array([], dtype=np.int64), 5, np.random.default_rng(0))) == {}


def test_random_is_unseen_in_the_catalogue_and_seeded():
    users = np.arange(4)
    a = rec.random(TINY, users, 3, np.random.default_rng(7))
    b = rec.random(TINY, users, 3, np.random.default_rng(7))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    got = as_lists(a)
    seen = {u: set(np.flatnonzero(TINY.plays[u].toarray())) for u in range(4)}
    for u, items in got.items():
        artists = [i for i, _ in items]
        scores = [s for _, s in items]
        assert len(set(artists)) == len(artists)
        assert set(artists) <= {0, 1, 2, 3} - seen[u]  # catalogue = artists with a listener
        assert all(0 < s <= 1 for s in scores) and scores == sorted(scores, reverse=True)
    assert [i for i, _ in got[2]] == [2]  # the only unseen artist with a listener
    assert len(got[3]) == 3 and len(got[0]) == 2  # user 0 has only a2, a3 left


def test_random_draws_every_artist_equally_often():
    # one listener of all 10 artists; 2,000 cold users each get one artist
    plays = [[1] * 10] + [[0] * 10] * 2000
    inputs = inputs_from(plays)
    _, _, artist, _ = rec.random(inputs, np.arange(1, 2001), 1, np.random.default_rng(3))
    counts = np.bincount(artist, minlength=10)
    assert counts.sum() == 2000 and counts.min() > 140 and counts.max() < 260


def test_user_knn_is_the_seed_model_for_the_users_asked():
    rng = np.random.default_rng(1)
    plays = (rng.random((40, 25)) < 0.25) * rng.integers(1, 50, (40, 25))
    plays[5] = 0  # a cold user
    inputs = inputs_from(plays.tolist(), age=rng.random(40), country=rng.integers(-1, 3, 40))
    users = np.array([0, 5, 17, 39])
    got = rec.user_knn(inputs, users, 5, np.random.default_rng(0), neighbors=7)
    full = recommend_user_knn(inputs.plays_share, inputs.cold_baseline, inputs.age_scaled,
                              inputs.country_index, neighbors=7, top_n=5)
    keep = np.isin(full[0], users)
    for x, y in zip(got, full):
        np.testing.assert_array_equal(x, y[keep])
    assert set(got[0]) == set(users)


def test_user_knn_plays_only_drops_age_and_country(monkeypatch):
    calls = []

    def fake(plays_share, cold_baseline, age_scaled, country_index, neighbors, top_n, progress):
        calls.append((age_scaled, country_index, neighbors, top_n))
        return rec._empty()

    monkeypatch.setattr(rec, "recommend_user_knn", fake)
    inputs = inputs_from([[1, 0], [0, 1], [1, 1]], age=[0.2, 0.5, 1.0], country=[0, 1, -1])
    rec.user_knn_plays_only(inputs, np.arange(3), 4, np.random.default_rng(0), neighbors=2)
    rec.user_knn(inputs, np.arange(3), 4, np.random.default_rng(0), neighbors=2)
    (age, country, k, n), (age2, country2, _, _) = calls
    np.testing.assert_array_equal(age, [0, 0, 0])
    np.testing.assert_array_equal(country, [-1, -1, -1])
    assert (k, n) == (2, 4)
    np.testing.assert_array_equal(age2, [0.2, 0.5, 1.0])
    np.testing.assert_array_equal(country2, [0, 1, -1])


def test_user_knn_plays_only_equals_user_knn_without_profiles():
    rng = np.random.default_rng(2)
    plays = (rng.random((30, 12)) < 0.3) * rng.integers(1, 9, (30, 12))
    plain = inputs_from(plays.tolist())  # ages 0, no countries
    profiled = inputs_from(plays.tolist(), age=rng.random(30), country=rng.integers(-1, 4, 30))
    a = rec.user_knn(plain, np.arange(30), 4, np.random.default_rng(0), neighbors=5)
    b = rec.user_knn_plays_only(profiled, np.arange(30), 4, np.random.default_rng(0), neighbors=5)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_every_recommender_keeps_the_contract():
    rng = np.random.default_rng(4)
    plays = (rng.random((60, 30)) < 0.2) * rng.integers(1, 20, (60, 30))
    inputs = inputs_from(plays.tolist(), age=rng.random(60), country=rng.integers(-1, 3, 60))
    users = np.array([1, 2, 3, 10, 59])
    results = rec.recommend_with(rec.RECOMMENDERS, inputs, users, top_n=6, seed=0, neighbors=5)
    assert set(results) == set(rec.RECOMMENDERS)
    for name, (user, rank, artist, score) in results.items():
        assert set(user) <= set(users), name
        assert np.all(score > 0), name
        assert not np.any(plays[user, artist] > 0), f"{name} recommends a played artist"
        assert np.all(np.diff(user) >= 0), name
        for u in np.unique(user):
            mine = user == u
            np.testing.assert_array_equal(rank[mine], np.arange(1, mine.sum() + 1))
            assert mine.sum() <= 6 and len(set(artist[mine])) == mine.sum()
            s, a = score[mine], artist[mine]
            assert np.all((s[:-1] > s[1:]) | ((s[:-1] == s[1:]) & (a[:-1] < a[1:]))), f"{name}: order"


def test_recommend_with_seeds_each_model_by_name():
    alone = rec.recommend_with(["random"], TINY, np.arange(4), 3, seed=11)["random"]
    among = rec.recommend_with(["popularity", "random"], TINY, np.arange(4), 3, seed=11)["random"]
    other = rec.recommend_with(["random"], TINY, np.arange(4), 3, seed=12)["random"]
    for x, y in zip(alone, among):
        np.testing.assert_array_equal(x, y)
    assert not all(np.array_equal(x, y) for x, y in zip(alone, other))


def test_recommend_with_names_the_unknown_model():
    with pytest.raises(ValueError, match="als.*expected names from"):
        rec.recommend_with(["popularity", "als"], TINY, np.arange(4), 3, seed=0)


def test_first_unseen_by_hand():
    seen = sp.csr_matrix(np.array([[1, 0, 1, 0], [0, 0, 0, 0]]))
    candidates = np.array([[2, 1, 0, 3], [3, 2, 1, 0]])
    row, rank, column, artist = rec.first_unseen(np.array([0, 1]), candidates, seen, 2)
    np.testing.assert_array_equal(row, [0, 0, 1, 1])
    np.testing.assert_array_equal(rank, [1, 2, 1, 2])
    np.testing.assert_array_equal(column, [1, 3, 0, 1])
    np.testing.assert_array_equal(artist, [1, 3, 3, 2])
