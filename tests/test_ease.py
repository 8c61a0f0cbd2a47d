"""lastfm_recs.models.ease against the formula with numpy.linalg.inv and a loop."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from lastfm_recs.models import ease
from lastfm_recs.weighting import weight_plays
from model_inputs import as_lists, assert_same_lists, inputs_from, naive_lists, random_plays


def test_ease_weights_are_the_closed_form():
    rng = np.random.default_rng(0)
    x = (rng.random((40, 12)) < 0.3).astype(float)
    gram = x.T @ x
    p = np.linalg.inv(gram + 7.0 * np.eye(12))
    expected = np.array([[0.0 if i == j else -p[i, j] / p[j, j] for j in range(12)] for i in range(12)])
    kept = gram.copy()
    np.testing.assert_allclose(ease.ease_weights(gram, 7.0), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(gram, kept)  # the input is left alone unless overwrite_gram
    np.testing.assert_allclose(ease.ease_weights(gram, 7.0, overwrite_gram=True), expected,
                               rtol=1e-10, atol=1e-12)



def test_mirror_upper_triangle_in_blocks_is_the_symmetric_matrix():
    rng = np.random.default_rng(1)
    square = rng.random((37, 37))
    expected = np.triu(square) + np.triu(square, 1).T
    for block in (1, 8, 37, 100):
        got = square.copy()
        ease.mirror_upper_triangle(got, block=block)
        np.testing.assert_array_equal(got, expected)


def test_ease_weights_span_several_blocks_and_refuse_an_indefinite_gram():
    rng = np.random.default_rng(2)
    x = (rng.random((300, 1100)) < 0.05).astype(float)
    gram = x.T @ x
    p = np.linalg.inv(gram + 3.0 * np.eye(1100))
    expected = -p / np.diag(p)[None, :]
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(ease.ease_weights(gram, 3.0), expected, rtol=1e-8, atol=1e-12)
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        ease.ease_weights(-np.eye(3), 0.5)

def reference_ease(plays, artists, l2, weighting, top_n, country=None, band=None, country_weight=0.0,
                   band_weight=0.0):
    """EASE on the `artists` most listened (ties by index) of those with two
    listeners or more, with the weighted
    one-hot country and age band as extra columns, scored by a loop, then the
    most listened unplayed artists after the EASE ones."""
    inputs = inputs_from(plays)
    listeners = (plays > 0).sum(0)
    order = sorted(range(plays.shape[1]), key=lambda a: (-listeners[a], a))
    head = sorted([a for a in order if listeners[a] >= 2][:artists])
    w = weight_plays(inputs.plays, weighting).toarray()[:, head]
    z = [w]
    for codes, weight in ((country, country_weight), (band, band_weight)):
        if weight:
            onehot = np.zeros((len(codes), max(codes) + 1))
            for u, c in enumerate(codes):
                if c >= 0:
                    onehot[u, c] = weight
            z.append(onehot)
    z = np.hstack(z)
    p = np.linalg.inv(z.T @ z + l2 * np.eye(z.shape[1]))
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    scores = np.zeros(plays.shape)
    scores[:, head] = (z @ b)[:, :len(head)]
    lists = naive_lists(scores, plays > 0, range(plays.shape[0]), top_n)
    for u in range(plays.shape[0]):  # the popularity fallback
        mine = lists.get(u, [])
        fill = [a for a in order if listeners[a] > 0 and plays[u, a] == 0 and a not in {x for x, _ in mine}]
        fill = fill[:top_n - len(mine)]
        if not fill:
            continue
        if mine:
            last = mine[-1][1]
            mine = mine + [(a, last * listeners[a] / (2 * listeners[fill[0]])) for a in fill]
        else:
            mine = [(a, listeners[a] / plays.shape[0]) for a in fill]
        lists[u] = mine
    return lists


@pytest.mark.parametrize("artists,l2,weighting", [(100, 5.0, "binary"), (8, 2.0, "log"), (3, 50.0, "binary")])
def test_ease_matches_the_formula_and_falls_back_to_popularity(artists, l2, weighting):
    plays = random_plays(1, 40, 20, density=0.2, cold=[3])
    plays[5] = 0
    plays[5, 19] = 4  # a user who only played an artist outside a small head
    model = ease.fit_ease(inputs_from(plays), np.random.default_rng(0), artists=artists, l2=l2,
                                   weighting=weighting)
    got = as_lists(model.recommend(np.arange(40), 6))
    assert_same_lists(got, reference_ease(plays, artists, l2, weighting, 6), rel=1e-4)  # float32 weights
    assert len(got[3]) == 6  # a cold user gets the most listened artists


def test_ease_learns_from_the_profile_columns():
    """With country and age-band columns the weights are those of EASE on
    [plays, weighted one-hots]; a cold user with a country gets EASE scores
    from it, one without any profile column the popularity fallback."""
    plays = random_plays(8, 50, 15, density=0.25, cold=[2, 11])
    country = np.random.default_rng(9).integers(-1, 4, 50)
    country[2], country[11] = 1, -1
    band = np.random.default_rng(10).integers(0, 3, 50)
    inputs = inputs_from(plays, country=country, age_band=band)
    for country_weight, band_weight in [(3.0, 0.0), (0.0, 1.5), (2.0, 0.5)]:
        model = ease.fit_ease(inputs, np.random.default_rng(0), artists=10, l2=4.0,
                                       country_weight=country_weight, age_band_weight=band_weight)
        got = as_lists(model.recommend(np.arange(50), 5))
        expected = reference_ease(plays, 10, 4.0, "binary", 5, country, band, country_weight, band_weight)
        assert_same_lists(got, expected, rel=1e-4)
    plain = as_lists(ease.fit_ease(inputs, np.random.default_rng(0), artists=10, l2=4.0)
                     .recommend(np.arange(50), 5))
    with_country = as_lists(ease.fit_ease(inputs, np.random.default_rng(0), artists=10, l2=4.0,
                                                   country_weight=3.0).recommend(np.arange(50), 5))
    assert plain[2] != with_country[2]  # the cold user with a country: no longer popularity alone
    assert plain[11] == with_country[11] == reference_ease(plays, 10, 4.0, "binary", 5)[11]


def test_parameters_are_checked():
    inputs = inputs_from(random_plays(4, 6, 5))
    with pytest.raises(ValueError, match="l2: expected a number"):
        ease.fit_ease(inputs, np.random.default_rng(0), l2=0.0)
    with pytest.raises(TypeError, match="artists: expected an integer"):
        ease.fit_ease(inputs, np.random.default_rng(0), artists=2.5)


def test_ease_with_an_empty_catalogue_recommends_nothing():
    model = ease.fit_ease(inputs_from(np.zeros((3, 4))), np.random.default_rng(0))
    assert all(len(a) == 0 for a in model.recommend(np.arange(3), 5))
    assert isinstance(model.weighted_head, sp.csr_matrix)


def test_one_users_own_artists_do_not_grow_the_ease_item_set():
    """A user with 300 artists nobody else plays: EASE's dense item set (and
    its |H|^2 gram) stays the artists two users share; the user's own
    artists reach others through the popularity fallback."""
    shared = random_plays(5, 30, 20, density=0.3)
    plays = np.zeros((31, 320))
    plays[:30, :20] = shared
    plays[30, 20:] = np.arange(1, 301)
    plays[30, :3] = 7
    model = ease.fit_ease(inputs_from(plays), np.random.default_rng(0), artists=1000, l2=5.0)
    two_or_more = [a for a in range(320) if (plays[:, a] > 0).sum() >= 2]
    assert model.head.tolist() == two_or_more and max(two_or_more) < 20
    got = as_lists(model.recommend(np.arange(31), 8))
    assert_same_lists(got, reference_ease(plays, 1000, 5.0, "binary", 8), rel=1e-4)
