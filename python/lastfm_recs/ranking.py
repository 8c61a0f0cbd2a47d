"""Top-n selection shared by every recommender: from scores to ranked lists.

A list (``Recommendations``) is four aligned arrays (user_index, rank,
artist_index, score), one entry per recommendation, ordered by user then
rank; rank 1 = highest score, ties broken by artist index (= MBID order),
only positive scores, never an artist the user has listened to.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

#: Query users handled at once by the vectorised top-n selection of the
#: models that rank one candidate list (popularity, random).
QUERY_BLOCK_USERS = 8192


class Recommendations(NamedTuple):
    """What ``recommend()`` returns: four aligned arrays, one entry per
    recommendation, ordered by user then rank (a tuple, so ``user, rank,
    artist, score = recs`` unpacks it)."""

    user_index: np.ndarray  # int64
    rank: np.ndarray  # int64, 1 = best
    artist_index: np.ndarray  # int64
    score: np.ndarray  # float (> 0)


#: (row, rank, column, value) of a top-n selection over rows of a block,
#: before the rows are mapped back to users.
Ranked = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def top_n_per_row(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int, top_n: int) -> Ranked:
    """Per row, the ``top_n`` entries by value descending, ties by column ascending.

    rows: sorted ascending. Returns (rows, rank (1-based), cols, vals), ordered
    by row then rank.
    """
    order = np.lexsort((cols, -vals, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    counts = np.bincount(rows, minlength=n_rows)
    starts = np.zeros(n_rows, dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    rank = np.arange(len(rows)) - starts[rows]
    keep = rank < top_n
    return rows[keep], rank[keep] + 1, cols[keep], vals[keep]


def row_thresholds(indptr: np.ndarray, vals: np.ndarray, count: int) -> np.ndarray:
    """The ``count``-th largest value of each CSR row (-inf for shorter rows).

    vals: positive or -inf. Only the top of each row matters, so entries
    below a fraction of their row's maximum (1/4, else 1/20, else none) are
    skipped before a padded per-row partition, done separately for the few
    rows that keep many entries.
    """
    counts = np.diff(indptr)
    n_rows = len(counts)
    threshold = np.full(n_rows, -np.inf)
    if not (counts >= count).any():
        return threshold
    nonempty = counts > 0
    starts = indptr[:-1][nonempty]
    row_max = np.full(n_rows, -np.inf)
    row_max[nonempty] = np.maximum.reduceat(vals, starts)
    cut = np.full(n_rows, -np.inf)
    pending = (counts >= count) & (row_max > 0)
    kept = counts.astype(np.int64)
    keep = np.ones(len(vals), dtype=bool)
    for fraction in (0.25, 0.05):
        if not pending.any():
            break
        cut[pending] = fraction * row_max[pending]
        keep = vals >= np.repeat(cut, counts)
        kept[nonempty] = np.add.reduceat(keep, starts, dtype=np.int64)
        short = pending & (kept < count)
        cut[short] = -np.inf  # retried with a lower cut, or kept whole
        pending = short
    if pending.any():
        keep = vals >= np.repeat(cut, counts)
        kept[nonempty] = np.add.reduceat(keep, starts, dtype=np.int64)
    idx = np.flatnonzero(keep)
    first = np.zeros(n_rows, dtype=np.int64)
    np.cumsum(kept[:-1], out=first[1:])
    busy = np.flatnonzero(kept >= count)
    wide = kept[busy] > 512
    for group in (busy[~wide], busy[wide]):
        if not len(group):
            continue
        width = int(kept[group].max())
        rows = np.repeat(np.arange(len(group)), kept[group])
        pos = np.arange(len(rows)) - np.repeat(np.cumsum(kept[group]) - kept[group], kept[group])
        src = np.repeat(first[group], kept[group]) + pos
        padded = np.full((len(group), width), -np.inf)
        padded[rows, pos] = vals[idx[src]]
        threshold[group] = np.partition(padded, width - count, axis=1)[:, width - count]
    return threshold


def empty_recommendations() -> Recommendations:
    """No recommendations, with the usual dtypes."""
    return Recommendations(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))


def max_seen(seen: sp.csr_matrix, users: np.ndarray) -> int:
    """The most artists any of ``users`` has seen (stored entries of its row
    of ``seen``): how far down a shared candidate list a user may look."""
    counts = np.diff(seen.indptr)[users]
    return int(counts.max()) if len(counts) else 0


def first_unseen(users: np.ndarray, candidates: np.ndarray, seen: sp.csr_matrix, top_n: int) -> Ranked:
    """For each query user, the first ``top_n`` of its candidates it has not seen.

    users: (q,) user indices (rows of ``seen``).
    candidates: (q, c) artist indices per user, best first, distinct per row;
        -1 pads a row (never kept).
    seen: (n_users, n_artists) CSR; a stored entry means "seen".
    Returns (row, rank, column, artist_index): row and column locate the kept
    candidate in ``candidates`` (rank 1..top_n within the row), ordered by row
    then rank.
    """
    # keys row * (A + 1) + artist: a padding -1 becomes the unused key of artist A of the row before
    width = seen.shape[1] + 1
    rows = seen[users]
    seen_keys = np.repeat(np.arange(len(users), dtype=np.int64), np.diff(rows.indptr)) * width + rows.indices
    keys = np.arange(len(users), dtype=np.int64)[:, None] * width + candidates
    unseen = ~is_member(keys, np.sort(seen_keys)) & (candidates >= 0)
    rank = np.cumsum(unseen, axis=1)
    row, column = np.nonzero(unseen & (rank <= top_n))
    return row, rank[row, column], column, candidates[row, column]


def concat_recommendations(parts: Sequence[Sequence[np.ndarray]]) -> Recommendations:
    """The parts one after the other (callers pass them in user order)."""
    if not parts:
        return empty_recommendations()
    return Recommendations(*(np.concatenate([p[i] for p in parts]) for i in range(4)))


def is_member(keys: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """keys (any shape) found in the sorted 1-D ``sorted_set``: a binary search
    (much faster than np.isin's hashing for millions of int64 keys)."""
    if len(sorted_set) == 0:
        return np.zeros(np.shape(keys), dtype=bool)
    position = np.minimum(np.searchsorted(sorted_set, keys), len(sorted_set) - 1)
    return sorted_set[position] == keys


def _excluded_to_minus_inf(scores: sp.csr_matrix, exclude: sp.csr_matrix) -> np.ndarray:
    """scores.data with -inf where ``exclude`` has an entry (both (b, c) CSR,
    canonical: sorted indices, no duplicates) and where the score is <= 0."""
    n_cols = scores.shape[1]
    def keys_of(mat: sp.csr_matrix) -> np.ndarray:  # row * n_cols + column of every stored entry
        return np.repeat(np.arange(mat.shape[0], dtype=np.int64), np.diff(mat.indptr)) * n_cols + mat.indices

    keys, excluded = keys_of(scores), keys_of(exclude)
    vals = scores.data.astype(np.float64)
    vals[is_member(keys, excluded)] = -np.inf  # excluded is sorted: row-major CSR, sorted indices
    vals[~(vals > 0)] = -np.inf
    return vals


def top_n_sparse(scores: sp.csr_matrix, exclude: sp.csr_matrix, top_n: int) -> Ranked:
    """Per row of ``scores`` (b, A) CSR, the ``top_n`` stored entries with a
    positive score whose column is not stored in ``exclude`` (b, A) (the
    listened artists), rank 1 = highest, ties by column ascending.

    Returns (row, rank, column, score) with row in 0..b-1.
    """
    scores = sp.csr_matrix(scores)
    scores.sum_duplicates()
    exclude = sp.csr_matrix(exclude)
    exclude.sum_duplicates()
    vals = _excluded_to_minus_inf(scores, exclude)
    threshold = row_thresholds(scores.indptr, vals, top_n)
    keep = np.flatnonzero((vals >= np.repeat(threshold, np.diff(scores.indptr))) & np.isfinite(vals))
    rows = np.searchsorted(scores.indptr, keep, side="right") - 1
    return top_n_per_row(rows, scores.indices[keep].astype(np.int64), vals[keep], scores.shape[0], top_n)


def top_n_dense(scores: np.ndarray, exclude: sp.csr_matrix, top_n: int) -> Ranked:
    """Per row of the dense ``scores`` (b, c), the ``top_n`` entries with a
    positive score whose column is not stored in ``exclude`` (b, c) CSR, rank
    1 = highest, ties by column ascending. ``scores`` is overwritten.

    Returns (row, rank, column, score) with row in 0..b-1.
    """
    b, c = scores.shape
    rows = np.repeat(np.arange(b), np.diff(exclude.indptr))
    scores[rows, exclude.indices] = -np.inf
    # the top_n-th largest per row, at least the smallest positive number:
    # entries tied with it are all kept and the tie broken by column below
    kth = np.partition(scores, c - top_n, axis=1)[:, c - top_n] if c > top_n else np.full(b, -np.inf)
    threshold = np.maximum(np.nan_to_num(kth, nan=np.inf), np.finfo(scores.dtype).tiny)
    r, col = np.nonzero(scores >= threshold[:, None])  # NaN never passes
    return top_n_per_row(r, col.astype(np.int64), scores[r, col].astype(np.float64), b, top_n)
