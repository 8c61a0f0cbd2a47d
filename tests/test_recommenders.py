"""lastfm_recs.recommenders: the registry, the baselines on hand-made cases,
and the contract every model keeps."""
from __future__ import annotations

import numpy as np
import pytest

from lastfm_recs import recommenders as rec
from lastfm_recs import runner
from lastfm_recs.models.base import Recommender
from lastfm_recs.models.user_knn import recommend_user_knn
from lastfm_recs.ranking import Recommendations
from model_inputs import as_lists, inputs_from

# 4 users x 6 artists; listeners: a0 3, a1 2, a2 1, a3 1, a4 0, a5 0; user 3 is cold.
TINY = inputs_from([
    [5, 1, 0, 0, 0, 0],
    [2, 0, 2, 0, 0, 0],
    [1, 1, 0, 1, 0, 0],
    [0, 0, 0, 0, 0, 0],
])

# parameters for every model on tiny data (the hybrid needs its weights)
SMALL = {
    "item_knn": {"neighbors": 5},
    "user_knn_cosine": {"neighbors": 5},
    "als": {"factors": 4, "iterations": 5},
    "ease": {"artists": 20, "l2": 5.0},
    "user_knn": {"neighbors": 5},
    "user_knn_plays_only": {"neighbors": 5},
    "hybrid": {"weights": {"ease": 1.0, "item_knn": 0.5, "profile_popularity": 0.2}, "candidates": 10},
    "mult_vae": {"hidden": 8, "latent": 4, "epochs": 5, "batch_size": 20},
}


def recommend(name, inputs, users, top_n, seed=0, **params):
    return rec.FITTERS[name](inputs, np.random.default_rng(seed), **params).recommend(np.asarray(users), top_n)


def test_popularity_by_hand():
    # order by listeners, ties by index: a0 (3/4), a1 (2/4), a2 (1/4), a3 (1/4); a4, a5 have none
    got = as_lists(recommend("popularity", TINY, np.arange(4), 2))
    assert got == {
        0: [(2, 0.25), (3, 0.25)],  # a0, a1 seen
        1: [(1, 0.5), (3, 0.25)],  # a0, a2 seen
        2: [(2, 0.25)],  # a0, a1, a3 seen: only a2 is left with a listener
        3: [(0, 0.75), (1, 0.5)],  # cold: the most popular
    }


def test_popularity_only_for_the_users_asked():
    assert as_lists(recommend("popularity", TINY, [3, 1], 1)) == {1: [(1, 0.5)], 3: [(0, 0.75)]}
    assert as_lists(recommend("popularity", TINY, np.array([], dtype=np.int64), 5)) == {}


def test_random_is_unseen_in_the_catalogue_and_seeded():
    a = recommend("random", TINY, np.arange(4), 3, seed=7)
    b = recommend("random", TINY, np.arange(4), 3, seed=7)
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
    inputs = inputs_from([[1] * 10] + [[0] * 10] * 2000)
    _, _, artist, _ = recommend("random", inputs, np.arange(1, 2001), 1, seed=3)
    counts = np.bincount(artist, minlength=10)
    assert counts.sum() == 2000 and counts.min() > 140 and counts.max() < 260


def test_user_knn_is_the_seed_model_for_the_users_asked():
    rng = np.random.default_rng(1)
    plays = (rng.random((40, 25)) < 0.25) * rng.integers(1, 50, (40, 25))
    plays[5] = 0  # a cold user
    inputs = inputs_from(plays.tolist(), age=rng.random(40), country=rng.integers(-1, 3, 40))
    users = np.array([0, 5, 17, 39])
    got = recommend("user_knn", inputs, users, 5, neighbors=7)
    full = recommend_user_knn(inputs.plays_share, inputs.cold_baseline, inputs.age_scaled,
                              inputs.country_index, neighbors=7, top_n=5)
    keep = np.isin(full[0], users)
    for x, y in zip(got, full):
        np.testing.assert_array_equal(x, y[keep])
    assert set(got[0]) == set(users)


def test_user_knn_plays_only_equals_user_knn_without_profiles():
    rng = np.random.default_rng(2)
    plays = (rng.random((30, 12)) < 0.3) * rng.integers(1, 9, (30, 12))
    plain = inputs_from(plays.tolist())  # ages 0, no countries
    profiled = inputs_from(plays.tolist(), age=rng.random(30), country=rng.integers(-1, 4, 30))
    a = recommend("user_knn", plain, np.arange(30), 4, neighbors=5)
    b = recommend("user_knn_plays_only", profiled, np.arange(30), 4, neighbors=5)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    c = recommend("user_knn", profiled, np.arange(30), 4, neighbors=5)
    assert not all(np.array_equal(x, y) for x, y in zip(b, c))  # the profile matters there


def test_every_model_keeps_the_contract():
    rng = np.random.default_rng(4)
    plays = (rng.random((60, 30)) < 0.2) * rng.integers(1, 20, (60, 30))
    plays[10] = 0  # a cold user
    inputs = inputs_from(plays.tolist(), age=rng.random(60), country=rng.integers(-1, 3, 60),
                         age_band=rng.integers(0, 3, 60))
    users = np.array([1, 2, 3, 10, 59])
    runs = runner.recommend_with(rec.FITTERS, inputs, users, top_n=6, seed=0, params=SMALL)
    assert set(runs) == set(rec.FITTERS)
    for name, run in runs.items():
        user, rank, artist, score = run.recommendations
        assert run.fit_seconds >= 0 and run.recommend_seconds >= 0
        assert set(user) <= set(users), name
        assert set(user) >= set(users) - {10}, f"{name} leaves warm users without recommendations"
        assert np.all(score > 0), name
        assert not np.any(plays[user, artist] > 0), f"{name} recommends a played artist"
        assert np.all(np.diff(user) >= 0), name
        for u in np.unique(user):
            mine = user == u
            np.testing.assert_array_equal(rank[mine], np.arange(1, mine.sum() + 1))
            assert mine.sum() <= 6 and len(set(artist[mine])) == mine.sum()
            s, a = score[mine], artist[mine]
            assert np.all((s[:-1] > s[1:]) | ((s[:-1] == s[1:]) & (a[:-1] < a[1:]))), f"{name}: order"
    served_cold = {name for name, run in runs.items() if 10 in run.recommendations[0]}
    assert served_cold == {"popularity", "random", "user_knn", "user_knn_plays_only", "profile_popularity",
                           "ease", "hybrid", "ease_budget"}


def test_recommend_with_seeds_each_model_by_name():
    alone = runner.recommend_with(["random"], TINY, np.arange(4), 3, seed=11)["random"].recommendations
    among = runner.recommend_with(["popularity", "random"], TINY, np.arange(4), 3, seed=11)["random"].recommendations
    other = runner.recommend_with(["random"], TINY, np.arange(4), 3, seed=12)["random"].recommendations
    for x, y in zip(alone, among):
        np.testing.assert_array_equal(x, y)
    assert not all(np.array_equal(x, y) for x, y in zip(alone, other))


def test_unknown_models_and_parameters_are_named():
    with pytest.raises(ValueError, match=r"unknown model\(s\) \['svd'\]; expected names from"):
        runner.recommend_with(["popularity", "svd"], TINY, np.arange(4), 3, seed=0)
    with pytest.raises(ValueError, match=r"model ease: unknown parameter\(s\) \['lambda'\]; "
                                         r"it takes \['age_band_weight', 'artists', 'country_weight', 'l2', "):
        runner.recommend_with(["ease"], TINY, np.arange(4), 3, seed=0, params={"ease": {"lambda": 3}})
    with pytest.raises(ValueError, match=r"model hybrid: parameter\(s\) \['weights'\] required"):
        runner.recommend_with(["hybrid"], TINY, np.arange(4), 3, seed=0)


def test_parameters_lists_the_tunable_ones_with_defaults():
    assert rec.parameters("ease") == {"artists": 5000, "l2": 500.0, "weighting": "binary", "country_weight": 0.0,
                                      "age_band_weight": 0.0}
    assert rec.parameters("popularity") == {}
    assert rec.parameters("hybrid") == {"weights": None, "candidates": 100}
    assert rec.blends_others("hybrid") and not rec.blends_others("ease")


def test_the_hybrid_fits_its_components_with_their_own_parameters():
    cache: dict = {}
    params = {"hybrid": {"weights": {"ease": 1.0}}, "ease": {"artists": 1, "l2": 2.0}}
    model = rec.fit_model("hybrid", TINY, 0, params, cache=cache)
    # the most listened (ease's default, 5000, would take both artists with two listeners or more)
    assert model.components["ease"].head.tolist() == [0]
    assert ("ease", '{"artists": 1, "l2": 2.0}') in cache
    assert rec.fit_model("hybrid", TINY, 0, params, cache=cache) is model  # reused


def test_every_fitted_model_is_a_recommender_with_named_lists():
    """models.base.Recommender is what every fit function returns, and
    recommend() names its four arrays (the tuple order stays)."""
    for name in rec.FITTERS:
        model = rec.fit_model(name, TINY, 0, SMALL)
        assert isinstance(model, Recommender), name
        recs = model.recommend(np.arange(4), 2)
        assert isinstance(recs, Recommendations), name
        assert recs._fields == ("user_index", "rank", "artist_index", "score")
        user, rank, artist, score = recs
        assert user is recs.user_index and rank is recs.rank and artist is recs.artist_index and score is recs.score
