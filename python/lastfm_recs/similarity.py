"""Shared plumbing of the cosine neighbourhood models (item_knn,
user_knn_cosine): unit rows, the top-k similar rows of a sparse product, and
per-user top-n from sparse scores, in blocks whose size bounds the entries
of the sparse product.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import Progress, blocks_by_cost, map_blocks
from lastfm_recs.ranking import Recommendations, concat_recommendations, empty_recommendations, top_n_sparse

#: Entries of a sparse product per block (~40 bytes each with the top-k work).
PRODUCT_BUDGET = 4_000_000


def l2_normalise_rows(mat: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to unit Euclidean norm (empty rows stay empty)."""
    norms = np.sqrt(np.asarray(mat.multiply(mat).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ mat)


def top_k_per_row(block: sp.csr_matrix, k: int, own: np.ndarray) -> sp.csr_matrix:
    """Per row of ``block`` (b, n) CSR, its ``k`` largest positive entries,
    column ``own[row]`` excluded (-1: none), ties by column: a (b, n) CSR."""
    has_own = own >= 0
    exclude = sp.csr_matrix((np.ones(int(has_own.sum())), (np.flatnonzero(has_own), own[has_own])), shape=block.shape)
    row, _, col, val = top_n_sparse(block, exclude, k)
    return sp.csr_matrix((val, (row, col)), shape=block.shape)


def product_cost(left: sp.csr_matrix, right_t: sp.csr_matrix) -> np.ndarray:
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
        return top_k_per_row(sp.csr_matrix(left[start:end] @ right_t), k, self_index[start:end])

    blocks = blocks_by_cost(product_cost(left, right_t) + 1, PRODUCT_BUDGET)
    parts = map_blocks(work, blocks, label=label, unit=unit, progress=progress)
    return sp.vstack(parts, format="csr") if parts else sp.csr_matrix((q, n))


def recommend_in_blocks(users: np.ndarray, top_n: int, seen: sp.csr_matrix,
                        scores_of: Callable[[np.ndarray], sp.csr_matrix], cost: np.ndarray, label: str,
                        progress: Progress | None) -> Recommendations:
    """Top-n unplayed artists of ``users`` from ``scores_of(block of users)``
    (b, A) CSR, in blocks bounded by ``cost`` per user."""
    users = np.asarray(users, dtype=np.int64)
    if len(users) == 0:
        return empty_recommendations()

    def work(start: int, end: int) -> tuple[np.ndarray, ...]:
        block = users[start:end]
        row, rank, artist, score = top_n_sparse(scores_of(block), seen[block], top_n)
        return block[row], rank, artist, score

    blocks = blocks_by_cost(cost[users] + 1, PRODUCT_BUDGET)
    return concat_recommendations(map_blocks(work, blocks, label=label, progress=progress))
