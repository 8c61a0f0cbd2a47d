"""Neighbourhood models on cosine similarity of weighted plays.

With w(u, a) the weighted plays (lastfm_recs.weighting) and cos the cosine
similarity of two columns (artists) or two rows (users) of w:

item_knn (item-item, Deshpande & Karypis 2004)::

    S(i, j)   = cos(w(., i), w(., j)) for the ``neighbors`` artists j != i most
                similar to i (positive similarity, ties by index), else 0
    s(u, a)   = sum over the user's artists i of w(u, i) * S(i, a)

user_knn_cosine (user-user)::

    sim(u, v) = (1 - beta) * cos(w(u, .), w(v, .)) + beta * profile(u, v),
                over the users v != u who share an artist with u (cos > 0)
    profile   = ([same known country] + 1 - |age_scaled(u) - age_scaled(v)|) / 2, in [0, 1]
    N(u)      = the ``neighbors`` users v with the largest sim(u, v), ties by index
    s(u, a)   = sum over v in N(u) of sim(u, v) * w(v, a) / ||w(v, .)||

beta (``profile_weight``) weighs age and country as one term beside the
plays, so at the default 0.1 they break ties among users of similar taste
instead of choosing the neighbours (the seed's Euclidean distance adds 2 to
d^2 across countries, against 0.1 - 0.4 for the plays).

Both recommend each user's ``top_n`` unplayed artists with s > 0, ties by
artist index. A cold user (no plays) has no similar items or users and gets
no recommendations; the hybrid model serves cold users from its profile prior.
Products run in blocks whose size bounds the entries of the sparse product.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import Progress, blocks_by_cost, map_blocks
from lastfm_recs.checks import check_choice, check_count, check_number
from lastfm_recs.ranking import Recommendations, concat_recommendations, empty_recommendations, top_n_sparse
from lastfm_recs.warehouse_io import ScoringInputs
from lastfm_recs.weighting import WEIGHTINGS, weight_plays

#: Entries of a sparse product per block (~40 bytes each with the top-k work).
PRODUCT_BUDGET = 4_000_000


def l2_normalise_rows(mat: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to unit Euclidean norm (empty rows stay empty)."""
    norms = np.sqrt(np.asarray(mat.multiply(mat).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ mat)


def _top_k_of_block(block: sp.csr_matrix, k: int, own: np.ndarray) -> sp.csr_matrix:
    """Per row of ``block`` (b, n) CSR, its ``k`` largest positive entries,
    column ``own[row]`` excluded (-1: none), ties by column: a (b, n) CSR."""
    has_own = own >= 0
    exclude = sp.csr_matrix((np.ones(int(has_own.sum())), (np.flatnonzero(has_own), own[has_own])), shape=block.shape)
    row, _, col, val = top_n_sparse(block, exclude, k)
    return sp.csr_matrix((val, (row, col)), shape=block.shape)


def _product_cost(left: sp.csr_matrix, right_t: sp.csr_matrix) -> np.ndarray:
    """Upper bound on the entries of each row of ``left @ right_t``."""
    pattern = left.astype(bool).astype(np.float64)
    return np.minimum(pattern @ np.diff(right_t.indptr).astype(np.float64), right_t.shape[1])


def top_k_similar(
    left: sp.csr_matrix,
    right_t: sp.csr_matrix,
    k: int,
    self_index: np.ndarray,
    *,
    label: str = "",
    unit: str = "users",
    progress: Progress | None = None,
) -> sp.csr_matrix:
    """For each row r of ``left`` (q, d), the ``k`` columns c of ``left @
    right_t`` (right_t: (d, n)) with the largest positive value, column
    ``self_index[r]`` excluded (-1: none), ties by column: a (q, n) CSR."""
    q, n = left.shape[0], right_t.shape[1]

    def work(start: int, end: int) -> sp.csr_matrix:
        return _top_k_of_block(sp.csr_matrix(left[start:end] @ right_t), k, self_index[start:end])

    blocks = blocks_by_cost(_product_cost(left, right_t) + 1, PRODUCT_BUDGET)
    parts = map_blocks(work, blocks, label=label, unit=unit, progress=progress)
    return sp.vstack(parts, format="csr") if parts else sp.csr_matrix((q, n))


def _recommend_blocks(users: np.ndarray, top_n: int, seen: sp.csr_matrix,
                      scores_of: Callable[[np.ndarray], sp.csr_matrix], cost: np.ndarray, label: str,
                      progress: Progress | None) -> Recommendations:
    """Top-n unplayed artists of ``users`` from ``scores_of(block of users)``
    (b, A) CSR, in blocks bounded by ``cost`` per user."""
    users = np.asarray(users, dtype=np.int64)
    if len(users) == 0:
        return empty_recommendations()

    def work(start: int, end: int) -> Recommendations:
        block = users[start:end]
        row, rank, artist, score = top_n_sparse(scores_of(block), seen[block], top_n)
        return block[row], rank, artist, score

    blocks = blocks_by_cost(cost[users] + 1, PRODUCT_BUDGET)
    return concat_recommendations(map_blocks(work, blocks, label=label, progress=progress))


@dataclass(frozen=True)
class ItemKnn:
    """Fitted item_knn: ``weighted`` (n_users, A) w, ``similar`` (A, A) S."""


    weighted: sp.csr_matrix
    similar: sp.csr_matrix
    progress: Progress | None = None

    def recommend(self, users: np.ndarray, top_n: int) -> Recommendations:
        top_n = check_count("top_n", top_n, 1)
        cost = np.diff(self.weighted.indptr) * max(1, self.similar.nnz // max(1, self.similar.shape[0]))
        # the weights are > 0 exactly where the user has plays: they mark the played artists
        return _recommend_blocks(users, top_n, self.weighted,
                                 lambda block: self.weighted[block] @ self.similar,
                                 cost.astype(np.float64), "item_knn: scoring", self.progress)


def fit_item_knn(inputs: ScoringInputs, rng: np.random.Generator, *, neighbors: int = 100,
                 weighting: str = "bm25", progress: Progress | None = None) -> ItemKnn:
    """item_knn (module docstring) on ``inputs.plays``; ``rng`` is not used."""
    neighbors = check_count("neighbors", neighbors, 1)
    check_choice("weighting", weighting, WEIGHTINGS)
    weighted = weight_plays(inputs.plays, weighting)
    columns = l2_normalise_rows(sp.csr_matrix(weighted.T))  # (A, n_users): artists as unit rows
    similar = top_k_similar(columns, sp.csr_matrix(columns.T), neighbors, np.arange(columns.shape[0]),
                            label="item_knn: similar artists", unit="artists", progress=progress)
    return ItemKnn(weighted=weighted, similar=similar, progress=progress)


@dataclass(frozen=True)
class UserKnnCosine:
    """Fitted user_knn_cosine: unit rows of w, their transpose, the profile."""

    unit_rows: sp.csr_matrix
    unit_rows_t: sp.csr_matrix
    seen: sp.csr_matrix
    age_scaled: np.ndarray
    country_index: np.ndarray
    neighbors: int
    profile_weight: float
    progress: Progress | None = None

    def neighbours(self, users: np.ndarray) -> sp.csr_matrix:
        """(len(users), n_users) CSR: row i holds N(users[i]) with sim(u, v)."""
        users = np.asarray(users, dtype=np.int64)
        block = sp.csr_matrix(self.unit_rows[users] @ self.unit_rows_t)
        u = users[np.repeat(np.arange(len(users)), np.diff(block.indptr))]
        v = block.indices
        same_country = (self.country_index[u] == self.country_index[v]) & (self.country_index[u] >= 0)
        profile = (same_country + 1.0 - np.abs(self.age_scaled[u] - self.age_scaled[v])) / 2.0
        block.data = (1.0 - self.profile_weight) * block.data + self.profile_weight * profile
        return _top_k_of_block(block, self.neighbors, users)

    def recommend(self, users: np.ndarray, top_n: int) -> Recommendations:
        top_n = check_count("top_n", top_n, 1)
        cost = _product_cost(self.unit_rows, self.unit_rows_t)
        return _recommend_blocks(users, top_n, self.seen,
                                 lambda block: self.neighbours(block) @ self.unit_rows,
                                 cost, "user_knn_cosine: scoring", self.progress)


def fit_user_knn_cosine(inputs: ScoringInputs, rng: np.random.Generator, *, neighbors: int = 100,
                        weighting: str = "bm25", profile_weight: float = 0.1,
                        progress: Progress | None = None) -> UserKnnCosine:
    """user_knn_cosine (module docstring); the neighbours are found when
    recommending, for the users asked only. ``rng`` is not used."""
    neighbors = check_count("neighbors", neighbors, 1)
    check_choice("weighting", weighting, WEIGHTINGS)
    profile_weight = check_number("profile_weight", profile_weight, 0.0, 1.0)
    unit_rows = l2_normalise_rows(weight_plays(inputs.plays, weighting))
    return UserKnnCosine(
        unit_rows=unit_rows,
        unit_rows_t=sp.csr_matrix(unit_rows.T),
        seen=sp.csr_matrix(inputs.plays),
        age_scaled=inputs.age_scaled,
        country_index=inputs.country_index,
        neighbors=neighbors,
        profile_weight=profile_weight,
        progress=progress,
    )
