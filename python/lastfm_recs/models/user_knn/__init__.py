"""user_knn: the seed's user-user k-nearest-neighbour recommender, exact and
fast (the project's reference model, selected by ``model: user_knn``).

Arrays in, arrays out: no I/O, no globals; the dbt Python model loads the data
and writes the table. The work is in three modules: ``validation`` (inputs
checked once, canonical), ``search`` (the exact neighbours, on the tiles of
``distances``) and ``scoring`` (weights, scores, top-n).

The maths (n users, A artists)
------------------------------
::

    p(u, .)   = row u of ``plays_share`` (L1-normalised plays); a cold user has an
                empty row and uses ``cold_baseline`` instead
    x(u)      = [p(u, .), age_scaled(u), onehot(country(u))]
    d(u, v)   = ||x(u) - x(v)||_2
    N(u)      = the k = min(neighbors, n - 1) users v != u with the smallest
                d(u, v), exact (ties at the boundary broken either way)
    max_d     = max over u and v in N(u) of d(u, v)
    w(u, v)   = 1 - d(u, v) / max_d          (w = 1 everywhere when max_d == 0)
    s(u, a)   = (1 / k) * sum over v in N(u) of w(u, v) * p(v, a)
    recs(u)   = the top_n artists with s(u, a) > 0 among those u has not
                listened to (p(u, a) == 0; a cold user has listened to nothing),
                rank 1 = highest score, ties by artist index ascending.

user_knn_plays_only is the same model without age and country (every scaled
age 0, every country empty), so the distance is on normalised plays alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import Progress
from lastfm_recs.checks import check_count
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.models.user_knn.scoring import neighbor_weights, score_top_n, scores_top_n
from lastfm_recs.models.user_knn.search import exact_neighbors, search_neighbors
from lastfm_recs.models.user_knn.validation import KnnInputs, validate_inputs
from lastfm_recs.ranking import Recommendations

__all__ = [
    "KnnInputs",
    "UserKnn",
    "exact_neighbors",
    "fit_user_knn",
    "fit_user_knn_plays_only",
    "neighbor_weights",
    "recommend_user_knn",
    "score_top_n",
    "validate_inputs",
]


def recommend_user_knn(
    plays_share: sp.csr_matrix,
    cold_baseline: np.ndarray,
    age_scaled: np.ndarray,
    country_index: np.ndarray,
    neighbors: int = 99,
    top_n: int = 20,
    progress: Progress | None = None,
) -> Recommendations:
    """The seed's user-user kNN recommender (module docstring).

    plays_share: (n_users, n_artists) CSR float64, p(u, a) = L1-normalised
        plays; the rows of cold users are empty.
    cold_baseline: (n_artists,) float64 summing to 1, the p row used for cold
        users.
    age_scaled: (n_users,) float64 in [0, 1].
    country_index: (n_users,) int, the user's country in the one-hot block,
        -1 = no country (all zeros).
    neighbors: k, the number of neighbours (all other users when there are
        fewer than k + 1 users). top_n: recommendations per user.
    progress: called with human-readable progress lines (at least every 10 s
        during the neighbour search and the scoring, and a final line each).

    Steps: ``exact_neighbors`` -> ``neighbor_weights`` (w = 1 - d / max_d;
    all 1 when max_d == 0) -> ``score_top_n``. With a single user there are
    no neighbours and so no recommendations.

    Returns (user_index, rank, artist_index, score): int64, int64 (1-based),
    int64, float64; one entry per recommendation, sorted by user then rank;
    only artists with a positive score the user has not listened to, ties
    by artist index ascending, fewer than top_n rows when there are not
    enough.
    """
    neighbors = check_count("neighbors", neighbors, 1)
    top_n = check_count("top_n", top_n, 1)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress: expected a callable taking one str, or None, found {type(progress).__name__}")
    inputs = validate_inputs(plays_share, cold_baseline, age_scaled, country_index)
    idx, dist = search_neighbors(inputs, neighbors, progress=progress)
    return scores_top_n(inputs, idx, neighbor_weights(dist), top_n, progress=progress)


@dataclass(frozen=True)
class UserKnn:
    """The seed's user-user kNN (module docstring), on [normalised plays,
    scaled age, country one-hot]. It scores every user in one pass (the
    weights need the global max_d) and keeps the users asked."""

    inputs: ScoringInputs
    age_scaled: np.ndarray
    country_index: np.ndarray
    neighbors: int
    progress: Progress | None = None

    def recommend(self, users: np.ndarray, top_n: int) -> Recommendations:
        user_index, rank, artist_index, score = recommend_user_knn(
            self.inputs.plays_share,
            self.inputs.cold_baseline,
            self.age_scaled,
            self.country_index,
            neighbors=self.neighbors,
            top_n=top_n,
            progress=self.progress,
        )
        keep = np.isin(user_index, np.asarray(users, dtype=np.int64))
        return Recommendations(user_index[keep], rank[keep], artist_index[keep], score[keep])


def fit_user_knn(inputs: ScoringInputs, rng: np.random.Generator, *, neighbors: int = 99,
                 progress: Progress | None = None) -> UserKnn:
    """The seed's model (UserKnn); ``neighbors`` is the project's var. ``rng`` is not used."""
    return UserKnn(inputs, inputs.age_scaled, inputs.country_index, neighbors, progress)


def fit_user_knn_plays_only(inputs: ScoringInputs, rng: np.random.Generator, *, neighbors: int = 99,
                            progress: Progress | None = None) -> UserKnn:
    """user_knn without the profile features: every scaled age 0 and every
    country empty, so the distance is on normalised plays alone."""
    n_users = inputs.plays.shape[0]
    return UserKnn(inputs, np.zeros(n_users), np.full(n_users, -1, np.int64), neighbors, progress)
