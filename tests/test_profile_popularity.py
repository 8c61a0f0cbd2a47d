"""lastfm_recs.models.profile_popularity against its formula in a loop."""
from __future__ import annotations

import numpy as np
import pytest

from lastfm_recs.models import profile_popularity
from model_inputs import as_lists, assert_same_lists, inputs_from, naive_lists, random_plays


def reference_prior(plays, country, band, m, top_n):
    n, n_artists = plays.shape
    warm = plays.sum(1) > 0
    listened = plays > 0
    everyone = listened.sum(0) / warm.sum()
    scores = np.zeros(plays.shape)
    for u in range(n):
        in_country = warm & (country == country[u])
        in_cell = in_country & (band == band[u])
        by_country = (listened[in_country].sum(0) + m * everyone) / (in_country.sum() + m)
        scores[u] = (listened[in_cell].sum(0) + m * by_country) / (in_cell.sum() + m)
    return naive_lists(scores, listened, range(n), top_n)


@pytest.mark.parametrize("smoothing", [0.0, 5.0, 100.0])
def test_profile_popularity_matches_the_formula(smoothing):
    rng = np.random.default_rng(1)
    plays = random_plays(1, 60, 25, density=0.15, cold=[0, 1, 2])
    country = rng.integers(-1, 3, 60)  # -1 = no country: a group of its own
    band = rng.integers(0, 3, 60)
    inputs = inputs_from(plays, country=country, age_band=band)
    model = profile_popularity.fit_profile_popularity(inputs, rng, smoothing=smoothing)
    got = as_lists(model.recommend(np.arange(60), 7))
    expected = reference_prior(plays, country, band, smoothing, 7)
    assert_same_lists(got, expected, rel=1e-12)
    assert {0, 1, 2} <= set(got)  # cold users get their cell's favourites


def test_profile_popularity_without_smoothing_backs_off_for_cells_without_warm_users():
    plays = np.array([[3, 0, 1], [0, 2, 0], [0, 0, 0], [0, 0, 0]])
    # user 2: a cell of its own in country 0; user 3: a country with no warm user
    inputs = inputs_from(plays, country=[0, 0, 0, 1], age_band=[0, 0, 1, 0])
    model = profile_popularity.fit_profile_popularity(inputs, np.random.default_rng(0), smoothing=0.0)
    got = as_lists(model.recommend(np.arange(4), 3))
    assert got[2] == [(0, 0.5), (1, 0.5), (2, 0.5)]  # country 0: 2 warm users, each artist once
    assert got[3] == [(0, 0.5), (1, 0.5), (2, 0.5)]  # everyone: the same 2 users
