"""User-user k-nearest-neighbour recommender (docs/spec.md section 2), exact and fast.

Arrays in, arrays out: no I/O, no globals; the dbt Python model loads the data
and writes the table.

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

How it stays exact without a dense n x n or n x A matrix
--------------------------------------------------------
* d^2 = ||p_u - p_v||^2 + (a_u - a_v)^2 + c(u, v), where c = 0 for the same
  country (or both without one), 1 when exactly one has no country and 2 for
  two different countries. So each country is searched on its own first, and
  a user searches the no-country users (c = 1) or the other countries (c = 2)
  only while its k-th smallest d^2 so far exceeds c: the exact bound check.
  Users of countries with fewer than k + 1 users always do.
* Inside a country, d^2 for a tile of users x users is one dense matrix
  product plus one sparse one: the ``dense_artists`` most listened artists and
  the terms ||p||^2, age and the cold-user baseline go through BLAS as
  ``Y @ Z.T`` (factors below), the remaining "tail" artists, where few pairs
  overlap, through a sparse product. d^2 is symmetric, so each tile serves
  its rows and its columns.
* A cheap upper bound on every user's k-th d^2 (dot products are >= 0, so
  d^2(u, v) <= ||p_u||^2 + ||p_v||^2 + (a_u - a_v)^2; the k + 1 smallest of
  these per distinct age) turns the per-row selection into a comparison:
  only the few entries below the bound are kept and sorted.
* Scores, per block of users, are one sparse product W' @ [P; b_L]: W' holds
  the weights of the warm neighbours, the cold neighbours' total weight on an
  extra row b_L = the baseline on its L best artists, and -inf on the user's
  own row (so listened artists score -inf). The rest of a cold neighbour's
  dense baseline row is added exactly where it can matter: an artist off the
  product's support scores at most the L-th best baseline value, below the
  top_n (see ``_score_block``). Top-n per row from a thresholded partition,
  ties by artist index.
* Tiles and score blocks run on a thread pool (BLAS, scipy's sparse kernels
  and numpy release the GIL) with BLAS itself single-threaded.

Distances come from the expansion ||x||^2 + ||y||^2 - 2 x.y in float64
(absolute error ~1e-15); pairs with d^2 < 1e-6 are recomputed from the
difference x(u) - x(v), so distances agree with a direct computation to
~1e-12 (exact duplicates get exactly 0).
"""
from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from lastfm_recs.blocks import Progress, ProgressReporter, default_threads, run_tasks
from lastfm_recs.checks import check_count
from lastfm_recs.ranking import Recommendations, empty_recommendations, row_thresholds, top_n_per_row

try:  # scipy's C++ kernels behind .toarray() (adds into its output) and @
    from scipy.sparse._sparsetools import csr_matmat as _csr_matmat
    from scipy.sparse._sparsetools import csr_todense as _csr_todense
except ImportError:  # pragma: no cover - private scipy API; public fallbacks below
    _csr_matmat = _csr_todense = None

__all__ = [
    "KnnInputs",
    "validate_inputs",
    "exact_neighbors",
    "neighbor_weights",
    "score_top_n",
    "recommend_user_knn",
]

#: Most listened artists whose part of p.p goes through the dense product.
DEFAULT_DENSE_ARTISTS = 128
#: Memory for the distance tiles of all threads together (float64 tile + mask
#: + sparse product, ~14 bytes per entry); sets the tile side (see tile_size).
DEFAULT_TILE_BUDGET_BYTES = 160 * 2**20
#: Users per scoring block.
DEFAULT_SCORE_BLOCK = 1024
#: d^2 below this is recomputed from the feature difference.
_REFINE_BELOW = 1e-6
#: Added to every candidate bound so rounding (~1e-15) never drops a neighbour.
_BOUND_SLACK = 1e-10
#: At most this many distinct ages are used as exact keys for the bound.
_MAX_AGE_KEYS = 128


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class KnnInputs:
    """Validated inputs in canonical form.

    plays: (n, A) CSR float64, canonical (sorted, no duplicates, no stored
        zeros), rows L1-normalised or empty.
    baseline: (A,) float64, the p row of cold users.
    age: (n,) float64 in [0, 1].
    country: (n,) int64, -1 = no country.
    is_cold: (n,) bool, True where the plays row is empty.
    """

    plays: sp.csr_matrix
    baseline: np.ndarray
    age: np.ndarray
    country: np.ndarray
    is_cold: np.ndarray

    @property
    def n_users(self) -> int:
        return self.plays.shape[0]

    @property
    def n_artists(self) -> int:
        return self.plays.shape[1]


def _first_bad(mask: np.ndarray, values: np.ndarray | None = None, limit: int = 5) -> str:
    """Human-readable list of the first positions where ``mask`` is True."""
    where = np.flatnonzero(mask)[:limit]
    if values is None:
        return ", ".join(str(i) for i in where)
    return ", ".join(f"{i} ({values[i].item()!r})" for i in where)


def validate_inputs(
    plays_share: sp.spmatrix | sp.sparray,
    cold_baseline: np.ndarray,
    age_scaled: np.ndarray,
    country_index: np.ndarray,
) -> KnnInputs:
    """Check the four arrays of ``recommend_user_knn`` and return them canonical.

    plays_share: (n, A) scipy sparse, finite, >= 0; each row sums to 1
        (L1-normalised plays) or is empty (a cold user). Duplicates are summed
        and stored zeros dropped (on a copy).
    cold_baseline: (A,) finite, >= 0; sums to 1 when there is a cold user.
    age_scaled: (n,) finite, in [0, 1].
    country_index: (n,) integers >= -1 (-1 = no country).
    Raises TypeError / ValueError saying what was expected and what was found.
    """
    if not sp.issparse(plays_share):
        raise TypeError(
            "plays_share: expected a scipy.sparse CSR matrix of shape (n_users, n_artists), "
            f"found {type(plays_share).__name__}"
        )
    if plays_share.ndim != 2:
        raise ValueError(f"plays_share: expected 2 dimensions (n_users, n_artists), found shape {plays_share.shape}")
    plays = sp.csr_matrix(plays_share, dtype=np.float64, copy=True)
    n_users, n_artists = plays.shape
    plays.sum_duplicates()
    if not np.isfinite(plays.data).all():
        row = np.searchsorted(plays.indptr, np.flatnonzero(~np.isfinite(plays.data))[0], side="right") - 1
        raise ValueError(f"plays_share: expected finite shares, found NaN or inf (first in row {row})")
    if (plays.data < 0).any():
        bad = np.flatnonzero(plays.data < 0)[0]
        row = np.searchsorted(plays.indptr, bad, side="right") - 1
        raise ValueError(
            f"plays_share: expected shares >= 0 (no negative plays), found {plays.data[bad].item()!r} "
            f"in row {row}, column {plays.indices[bad]}"
        )
    plays.eliminate_zeros()
    plays.sort_indices()
    row_of = np.repeat(np.arange(n_users), np.diff(plays.indptr))
    row_sums = np.bincount(row_of, weights=plays.data, minlength=n_users)
    is_cold = np.diff(plays.indptr) == 0
    off = ~is_cold & (np.abs(row_sums - 1.0) > 1e-6)
    if off.any():
        raise ValueError(
            "plays_share: expected every row to sum to 1 (L1-normalised plays) or to be empty "
            f"(a cold user), found rows (sum): {_first_bad(off, row_sums)}"
        )

    baseline = np.asarray(cold_baseline)
    if baseline.ndim != 1 or baseline.shape[0] != n_artists:
        raise ValueError(
            f"cold_baseline: expected shape ({n_artists},) (one share per plays_share column), "
            f"found shape {baseline.shape}"
        )
    if not np.issubdtype(baseline.dtype, np.number) or np.issubdtype(baseline.dtype, np.complexfloating):
        raise TypeError(f"cold_baseline: expected real numbers, found dtype {baseline.dtype}")
    baseline = baseline.astype(np.float64)
    if not np.isfinite(baseline).all():
        raise ValueError(f"cold_baseline: expected finite shares, found NaN or inf at {_first_bad(~np.isfinite(baseline))}")
    if (baseline < 0).any():
        raise ValueError(f"cold_baseline: expected shares >= 0, found at (value): {_first_bad(baseline < 0, baseline)}")
    if is_cold.any() and n_artists and abs(baseline.sum() - 1.0) > 1e-6:
        raise ValueError(
            f"cold_baseline: expected shares summing to 1 (there are {int(is_cold.sum())} cold users), "
            f"found sum {baseline.sum()!r}"
        )

    age = np.asarray(age_scaled)
    if age.shape != (n_users,):
        raise ValueError(f"age_scaled: expected shape ({n_users},) (one per plays_share row), found shape {age.shape}")
    if not np.issubdtype(age.dtype, np.number) or np.issubdtype(age.dtype, np.complexfloating):
        raise TypeError(f"age_scaled: expected real numbers, found dtype {age.dtype}")
    age = age.astype(np.float64)
    if not np.isfinite(age).all():
        raise ValueError(f"age_scaled: expected finite values, found NaN or inf at users {_first_bad(~np.isfinite(age))}")
    if ((age < 0) | (age > 1)).any():
        raise ValueError(f"age_scaled: expected values in [0, 1], found at users (value): {_first_bad((age < 0) | (age > 1), age)}")

    country = np.asarray(country_index)
    if country.shape != (n_users,):
        raise ValueError(
            f"country_index: expected shape ({n_users},) (one per plays_share row), found shape {country.shape}"
        )
    if country.dtype == bool or not np.issubdtype(country.dtype, np.integer):
        raise TypeError(f"country_index: expected integers (-1 = no country), found dtype {country.dtype}")
    country = country.astype(np.int64)
    if (country < -1).any():
        raise ValueError(f"country_index: expected integers >= -1, found at users (value): {_first_bad(country < -1, country)}")
    return KnnInputs(plays=plays, baseline=baseline, age=age, country=country, is_cold=is_cold)


# --------------------------------------------------------------------------
# Small helpers: progress, thread pool, buffers
# --------------------------------------------------------------------------


def _buffer(store: threading.local, name: str, size: int, dtype: type) -> np.ndarray:
    """A per-thread scratch array of at least ``size`` elements (reused)."""
    arr = getattr(store, name, None)
    if arr is None or arr.size < size:
        arr = np.empty(max(size, 1), dtype=dtype)
        setattr(store, name, arr)
    return arr[:size]


def tile_size(n_threads: int, budget_bytes: int = DEFAULT_TILE_BUDGET_BYTES) -> int:
    """Side b of the b x b distance tiles so that all threads' tiles fit in
    ``budget_bytes`` (~14 bytes per tile entry: float64 d^2, bool mask and the
    sparse tail product); a multiple of 64 in [64, 4096]."""
    side = int(math.sqrt(budget_bytes / (14 * max(1, n_threads))))
    return int(min(4096, max(64, side - side % 64)))


def _add_csr_into(mat: sp.csr_matrix, out: np.ndarray) -> None:
    """out += mat for a CSR ``mat`` and a C-contiguous dense ``out`` of the same shape."""
    if mat.nnz == 0:
        return
    if _csr_todense is not None:
        _csr_todense(mat.shape[0], mat.shape[1], mat.indptr, mat.indices, mat.data, out)
    else:  # pragma: no cover
        out += mat.toarray()


def _spgemm(left: sp.csr_matrix, right: sp.csr_matrix) -> sp.csr_matrix:
    """left @ right for CSR matrices, in one pass of scipy's kernel.

    scipy first counts the output size exactly (a second pass over all the
    products); here the output is allocated at the upper bound sum over
    left's entries of right's row lengths instead. Falls back to ``@``.
    """
    bound = int(np.diff(right.indptr)[left.indices].sum())
    if _csr_matmat is None or bound >= 2**31 or right.indices.dtype != np.int32:
        return sp.csr_matrix(left @ right)
    n_rows, n_cols = left.shape[0], right.shape[1]
    indptr = np.empty(n_rows + 1, dtype=np.int32)
    indices = np.empty(bound, dtype=np.int32)
    data = np.empty(bound, dtype=np.float64)
    _csr_matmat(
        n_rows, n_cols,
        left.indptr.astype(np.int32, copy=False), left.indices.astype(np.int32, copy=False), left.data,
        right.indptr.astype(np.int32, copy=False), right.indices, right.data,
        indptr, indices, data,
    )
    nnz = int(indptr[-1])
    return sp.csr_matrix((data[:nnz], indices[:nnz], indptr), shape=(n_rows, n_cols))


# --------------------------------------------------------------------------
# Distances: the feature space and the tile kernel
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _FeatureSpace:
    """Everything the tile kernel needs, per user (artists reordered by listeners).

    head: (n, H) CSR, shares of the H most listened artists (cold rows empty).
    tail: (n, A - H) CSR, shares of the other artists (cold rows empty).
    b_head: (H,) head part of the baseline.
    sq: (n,) ||p_u||^2 (||baseline||^2 for cold users).
    tail_dot_baseline: (n,) p_u,tail . baseline_tail (0 for cold users).
    t: (n,) tail_dot_baseline, or ||baseline_tail||^2 for cold users.
    """

    head: sp.csr_matrix
    tail: sp.csr_matrix
    b_head: np.ndarray
    sq: np.ndarray
    tail_dot_baseline: np.ndarray
    t: np.ndarray
    age: np.ndarray
    country: np.ndarray
    is_cold: np.ndarray

    @property
    def n_head(self) -> int:
        return self.head.shape[1]


def _build_feature_space(inputs: KnnInputs, dense_artists: int) -> _FeatureSpace:
    """Split the artists into the ``dense_artists`` most listened ("head") and the rest."""
    plays = inputs.plays
    n, n_artists = plays.shape
    listeners = np.bincount(plays.indices, minlength=n_artists)
    order = np.argsort(-listeners, kind="stable")
    rank = np.empty(n_artists, dtype=np.int64)
    rank[order] = np.arange(n_artists)
    n_head = min(dense_artists, n_artists)
    new_col = rank[plays.indices]
    row_of = np.repeat(np.arange(n), np.diff(plays.indptr))
    in_head = new_col < n_head

    def part(mask: np.ndarray, offset: int, width: int) -> sp.csr_matrix:
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of[mask], minlength=n), out=indptr[1:])
        return sp.csr_matrix(
            (plays.data[mask], (new_col[mask] - offset).astype(np.int32), indptr.astype(np.int32)), shape=(n, width)
        )

    head = part(in_head, 0, n_head)
    tail = part(~in_head, n_head, n_artists - n_head)
    baseline = inputs.baseline[order]
    b_head, b_tail = baseline[:n_head], baseline[n_head:]
    sq = np.bincount(row_of, weights=plays.data**2, minlength=n).astype(np.float64)
    sq[inputs.is_cold] = float(baseline @ baseline)
    tail_dot_baseline = tail @ b_tail if tail.shape[1] else np.zeros(n)
    t = np.where(inputs.is_cold, float(b_tail @ b_tail), tail_dot_baseline)
    return _FeatureSpace(
        head=head,
        tail=tail,
        b_head=b_head,
        sq=sq,
        tail_dot_baseline=np.asarray(tail_dot_baseline, dtype=np.float64),
        t=t,
        age=inputs.age,
        country=inputs.country,
        is_cold=inputs.is_cold,
    )


def _right_factors(space: _FeatureSpace, users: np.ndarray) -> np.ndarray:
    """Z (len(users), H + 5) with Y(u) . Z(v) = d^2(u, v) minus the tail-tail dot and c.

    Z(v) = [p_v,head, ||p_v||^2 + a_v^2, a_v, 1, t_v, cold_v]
    """
    h = space.n_head
    z = np.empty((len(users), h + 5))
    z[:, :h] = space.head[users].toarray()
    cold = space.is_cold[users]
    if cold.any():
        z[cold, :h] = space.b_head
    age = space.age[users]
    z[:, h] = space.sq[users] + age * age
    z[:, h + 1] = age
    z[:, h + 2] = 1.0
    z[:, h + 3] = space.t[users]
    z[:, h + 4] = cold
    return z


def _left_factors(space: _FeatureSpace, users: np.ndarray) -> np.ndarray:
    """Y (len(users), H + 5), the partner of ``_right_factors``:

    Y(u) = [-2 p_u,head, 1, -2 a_u, ||p_u||^2 + a_u^2, -2 cold_u, -2 (1 - cold_u) p_u,tail . b_tail]

    Y(u).Z(v) = ||p_u||^2 + ||p_v||^2 + (a_u - a_v)^2 - 2 p_u,head.p_v,head
                - 2 [tail part of p_u . p_v when u or v is cold]
    so only the tail dot of two warm users is missing (the sparse product).
    """
    h = space.n_head
    y = np.empty((len(users), h + 5))
    y[:, :h] = space.head[users].toarray()
    cold = space.is_cold[users]
    if cold.any():
        y[cold, :h] = space.b_head
    y[:, :h] *= -2.0
    age = space.age[users]
    y[:, h] = 1.0
    y[:, h + 1] = -2.0 * age
    y[:, h + 2] = space.sq[users] + age * age
    y[:, h + 3] = -2.0 * cold
    y[:, h + 4] = np.where(cold, 0.0, -2.0 * space.tail_dot_baseline[users])
    return y


def _neg2_transposed(tail_rows: sp.csr_matrix) -> sp.csr_matrix:
    """(-2 * tail_rows).T as CSR, the right operand of the tail product."""
    return (tail_rows * -2.0).T.tocsr()


def _squared_distance_tile(
    left: np.ndarray,
    right: np.ndarray,
    tail_left: sp.csr_matrix,
    tail_right_neg2_t: sp.csr_matrix,
    out: np.ndarray,
) -> np.ndarray:
    """out[i, j] = ||p_i - p_j||^2 + (a_i - a_j)^2 for row users i, column users j.

    left: (r, H + 5) ``_left_factors`` of the rows; right: (c, H + 5)
    ``_right_factors`` of the columns; tail_left: (r, A - H) CSR tail rows;
    tail_right_neg2_t: (A - H, c) CSR, ``_neg2_transposed`` of the column
    tails; out: (r, c) C-contiguous float64, overwritten. No country term.
    """
    np.matmul(left, right.T, out=out)
    if tail_left.nnz and tail_right_neg2_t.nnz:
        _add_csr_into(_spgemm(tail_left, tail_right_neg2_t), out)
    return out


# --------------------------------------------------------------------------
# Bounds on the k-th distance and per-user selection
# --------------------------------------------------------------------------


def _age_keys(age: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group ages for the bound: (lo, hi, key_of_user) with lo[key] <= age <= hi[key].

    Exact distinct values (lo == hi) when there are few; otherwise
    ``_MAX_AGE_KEYS`` equal-width bins, each [min, max] of the ages it holds.
    """
    values, key = np.unique(age, return_inverse=True)
    if len(values) <= _MAX_AGE_KEYS:
        return values, values, key
    lo_all, hi_all = float(age.min()), float(age.max())
    bins = np.minimum(((age - lo_all) / (hi_all - lo_all) * _MAX_AGE_KEYS).astype(np.int64), _MAX_AGE_KEYS - 1)
    used, key = np.unique(bins, return_inverse=True)
    lo = np.full(len(used), np.inf)
    hi = np.full(len(used), -np.inf)
    np.minimum.at(lo, key, age)
    np.maximum.at(hi, key, age)
    return lo, hi, key


def _smallest_upper_bounds(
    pool_sq: np.ndarray, pool_age: np.ndarray, lo: np.ndarray, hi: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each age key, the ``count`` smallest g(v) = ||p_v||^2 + max over
    a in [lo, hi] of (a - a_v)^2 over the pool, and their pool positions.

    Since p_u . p_v >= 0, d^2(u, v) <= ||p_u||^2 + g(v) (+ c) for every u
    whose age lies in the key's [lo, hi]. Returns (values, positions), both
    (n_keys, min(count, pool size)), unsorted within a row.
    """
    count = min(count, len(pool_sq))
    values = np.empty((len(lo), count))
    positions = np.empty((len(lo), count), dtype=np.int64)
    for i in range(len(lo)):
        g = pool_sq + np.maximum((lo[i] - pool_age) ** 2, (hi[i] - pool_age) ** 2)
        pos = np.argpartition(g, count - 1)[:count] if count < len(g) else np.arange(len(g))
        values[i], positions[i] = g[pos], pos
    return values, positions


def _k_smallest_per_owner(
    owner: np.ndarray, neighbor: np.ndarray, value: np.ndarray, n_owner: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per owner in [0, n_owner), the k candidates with the smallest value.

    The order among equal values depends only on the input order (callers
    pass candidates in a deterministic order). Returns (neighbors, values),
    both (n_owner, k), sorted ascending by value, padded with -1 / inf.
    """
    out_nb = np.full((n_owner, k), -1, dtype=np.int64)
    out_val = np.full((n_owner, k), np.inf)
    if len(owner) == 0 or k == 0:
        return out_nb, out_val
    order = np.argsort(value)  # deterministic for a given input order
    # stable sort by owner: a radix sort when owners fit in 16 bits
    key = owner[order].astype(np.uint16 if n_owner <= 2**16 else np.int64)
    order = order[np.argsort(key, kind="stable")]
    owner_s = owner[order]
    counts = np.bincount(owner_s, minlength=n_owner)
    starts = np.zeros(n_owner, dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    rank = np.arange(len(order)) - starts[owner_s]
    keep = rank < k
    out_nb[owner_s[keep], rank[keep]] = neighbor[order[keep]]
    out_val[owner_s[keep], rank[keep]] = value[order[keep]]
    return out_nb, out_val


# --------------------------------------------------------------------------
# Neighbour search within one partition (one country, or the no-country users)
# --------------------------------------------------------------------------


class _PartitionSearch:
    """Exact k nearest neighbours among the ``members`` of one partition (c = 0).

    The partition is cut into blocks; tile (I, J), J >= I, holds d^2 between
    blocks I and J and yields candidates for the rows (d^2 <= bound of the
    row user) and, off the diagonal, for the columns. Block I is complete
    once all nb tiles touching it arrived; its users are then finalised.
    """

    def __init__(self, space: _FeatureSpace, members: np.ndarray, k: int, block: int):
        self.members = members
        m = len(members)
        self.k = min(k, m - 1)
        self.bounds = self._bounds(space, members, k)
        self.blocks = [(s, min(m, s + block)) for s in range(0, m, block)]
        self.left = _left_factors(space, members)
        self.right = _right_factors(space, members)
        tail = space.tail[members]
        self.tail_rows = [tail[s:e] for s, e in self.blocks]
        self.tail_cols = [_neg2_transposed(t) for t in self.tail_rows]
        nb = len(self.blocks)
        self.pending = [nb] * nb
        self.parts: list[list[tuple[int, int, tuple]]] = [[] for _ in range(nb)]
        self.neighbors = np.full((m, self.k), -1, dtype=np.int64)
        self.sq_dist = np.full((m, self.k), np.inf)

    @staticmethod
    def _bounds(space: _FeatureSpace, members: np.ndarray, k: int) -> np.ndarray:
        """Upper bound of each member's k-th smallest d^2 inside the partition:
        ||p_u||^2 + the (k+1)-th smallest g over the partition (self included)."""
        m = len(members)
        if m - 1 < k:  # everyone else is a neighbour (finite: the diagonal holds inf)
            return np.full(m, np.finfo(np.float64).max)
        age = space.age[members]
        lo, hi, key = _age_keys(age)
        values, _ = _smallest_upper_bounds(space.sq[members], age, lo, hi, k + 1)
        kth = values.max(axis=1)  # the (k+1)-th smallest of each key
        return space.sq[members] + kth[key] + _BOUND_SLACK

    def tasks(self, scratch: threading.local) -> Iterator[Callable[[], tuple]]:
        nb = len(self.blocks)
        for i in range(nb):
            for j in range(i, nb):
                yield lambda i=i, j=j: self._tile(i, j, scratch)

    def _tile(self, i: int, j: int, scratch: threading.local) -> tuple:
        s, e = self.blocks[i]
        s2, e2 = self.blocks[j]
        rows, cols = e - s, e2 - s2
        d2 = _buffer(scratch, "tile", rows * cols, np.float64).reshape(rows, cols)
        mask = _buffer(scratch, "mask", rows * cols, np.bool_).reshape(rows, cols)
        _squared_distance_tile(self.left[s:e], self.right[s2:e2], self.tail_rows[i], self.tail_cols[j], d2)
        if i == j:
            np.fill_diagonal(d2, np.inf)  # not one's own neighbour
        np.less_equal(d2, self.bounds[s:e, None], out=mask)
        flat = np.flatnonzero(mask)
        r, c = np.divmod(flat, cols)
        row_part = (r + s, c + s2, d2.ravel()[flat])
        col_part = None
        if i != j:
            np.less_equal(d2, self.bounds[None, s2:e2], out=mask)
            flat = np.flatnonzero(mask)
            r, c = np.divmod(flat, cols)
            col_part = (c + s2, r + s, d2.ravel()[flat])
        return self, i, j, row_part, col_part, rows * cols

    def accept(self, i: int, j: int, row_part: tuple, col_part: tuple | None) -> int:
        """Store a tile's candidates; returns the number of users finalised."""
        self.parts[i].append((i, j, row_part))
        done = self._arrived(i)
        if col_part is not None:
            self.parts[j].append((i, j, col_part))
            done += self._arrived(j)
        return done

    def _arrived(self, i: int) -> int:
        self.pending[i] -= 1
        if self.pending[i]:
            return 0
        s, e = self.blocks[i]
        parts, self.parts[i] = self.parts[i], []
        parts = [part for _, _, part in sorted(parts, key=lambda p: p[:2])]  # arrival order varies
        owner = np.concatenate([p[0] for p in parts]) - s
        nbr = np.concatenate([p[1] for p in parts])
        val = np.concatenate([p[2] for p in parts])
        self.neighbors[s:e], self.sq_dist[s:e] = _k_smallest_per_owner(owner, nbr, val, e - s, self.k)
        return e - s

    def release(self) -> None:
        """Drop the per-partition arrays once the results are copied out."""
        self.left = self.right = self.neighbors = self.sq_dist = None  # type: ignore[assignment]
        self.tail_rows = self.tail_cols = []


# --------------------------------------------------------------------------
# Neighbour search across partitions (c = 1 or 2)
# --------------------------------------------------------------------------


def _cross_bounds(
    space: _FeatureSpace,
    rows: np.ndarray,
    pool: np.ndarray,
    existing: np.ndarray,
    k: int,
    offset: float,
    exclude_same_country: bool,
) -> np.ndarray:
    """Upper bound of each row user's k-th d^2 over its current list and the pool.

    existing: (len(rows), k) current d^2, inf-padded. Rows with a full list
    use their k-th d^2; the others merge in ||p_u||^2 + g(v) + offset for the
    pool users with the smallest g (dropping same-country users when the
    pool holds the row's own country, whose pairs are already in the list).
    """
    bound = existing[:, k - 1].copy()
    short = ~np.isfinite(bound)
    if short.any() and len(pool):
        rs = rows[short]
        lo, hi, key = _age_keys(space.age[rs])
        count = 2 * k + 1 if exclude_same_country else k
        values, positions = _smallest_upper_bounds(space.sq[pool], space.age[pool], lo, hi, count)
        cand = values[key] + space.sq[rs][:, None] + offset
        if exclude_same_country:
            cand[space.country[pool[positions[key]]] == space.country[rs][:, None]] = np.inf
        merged = np.concatenate([existing[short], cand], axis=1)
        bound[short] = np.partition(merged, k - 1, axis=1)[:, k - 1]
    return bound + _BOUND_SLACK


def _cross_tasks(
    space: _FeatureSpace,
    rows: np.ndarray,
    cols: np.ndarray,
    offset: float,
    bounds: np.ndarray,
    exclude_same_country: bool,
    block: int,
    scratch: threading.local,
) -> Iterator[Callable[[], tuple]]:
    """Tasks, one per column block, each returning the candidates
    (row position, column user, d^2 + offset) with d^2 + offset <= bound."""
    left = _left_factors(space, rows)
    tail = space.tail[rows]
    row_blocks = [(s, min(len(rows), s + block)) for s in range(0, len(rows), block)]
    tail_rows = [tail[s:e] for s, e in row_blocks]
    limit = bounds - offset

    def run(cs: int, ce: int) -> tuple:
        users = cols[cs:ce]
        right = _right_factors(space, users)
        tail_cols = _neg2_transposed(space.tail[users])
        out_r, out_c, out_v = [], [], []
        for (s, e), tail_left in zip(row_blocks, tail_rows):
            n_r, n_c = e - s, ce - cs
            d2 = _buffer(scratch, "tile", n_r * n_c, np.float64).reshape(n_r, n_c)
            mask = _buffer(scratch, "mask", n_r * n_c, np.bool_).reshape(n_r, n_c)
            _squared_distance_tile(left[s:e], right, tail_left, tail_cols, d2)
            np.less_equal(d2, limit[s:e, None], out=mask)
            flat = np.flatnonzero(mask)
            r, c = np.divmod(flat, n_c)
            v = d2.ravel()[flat] + offset
            r += s
            c = users[c]
            if exclude_same_country:
                keep = space.country[rows[r]] != space.country[c]
                r, c, v = r[keep], c[keep], v[keep]
            out_r.append(r)
            out_c.append(c)
            out_v.append(v)
        return cs, np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_v), len(rows) * (ce - cs)

    for cs in range(0, len(cols), block):
        yield lambda cs=cs: run(cs, min(len(cols), cs + block))


# --------------------------------------------------------------------------
# Exact distances for the few near-zero pairs
# --------------------------------------------------------------------------


def _country_term(country: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """c(u, v) = ||onehot(u) - onehot(v)||^2: 0 same (or both none), 1 one none, 2 different."""
    cu, cv = country[u], country[v]
    return np.where(cu == cv, 0.0, np.where((cu < 0) | (cv < 0), 1.0, 2.0))


def exact_squared_distances(inputs: KnnInputs, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """d^2(u_i, v_i) computed from the difference x(u_i) - x(v_i) (no expansion).

    u, v: (m,) user indices. Returns (m,) float64. Used for the pairs whose
    expanded d^2 is too small to trust; exact duplicates give exactly 0.
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    out = (inputs.age[u] - inputs.age[v]) ** 2 + _country_term(inputs.country, u, v)
    cold_u, cold_v = inputs.is_cold[u], inputs.is_cold[v]
    warm = ~cold_u & ~cold_v
    if warm.any():
        diff = inputs.plays[u[warm]] - inputs.plays[v[warm]]
        out[warm] += np.asarray(diff.multiply(diff).sum(axis=1)).ravel()
    mixed = np.flatnonzero(cold_u != cold_v)
    if len(mixed):
        warm_user = np.where(cold_u[mixed], v[mixed], u[mixed])
        chunk = max(1, 2**22 // max(1, inputs.n_artists))
        for s in range(0, len(mixed), chunk):
            dense = inputs.plays[warm_user[s : s + chunk]].toarray() - inputs.baseline
            out[mixed[s : s + chunk]] += np.einsum("ij,ij->i", dense, dense)
    return out


# --------------------------------------------------------------------------
# Public: neighbours
# --------------------------------------------------------------------------


def _merge_lists(
    neighbors: np.ndarray, sq_dist: np.ndarray, rows: np.ndarray, cand: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    """Merge candidates (row position, user, d^2) into the lists of ``rows`` in place
    (equal d^2: the current list first, then candidates in the given order)."""
    k = neighbors.shape[1]
    old_nb, old_val = neighbors[rows], sq_dist[rows]
    r_old, c_old = np.nonzero(old_nb >= 0)
    owner = np.concatenate([r_old, cand[0]])
    nbr = np.concatenate([old_nb[r_old, c_old], cand[1]])
    val = np.concatenate([old_val[r_old, c_old], cand[2]])
    neighbors[rows], sq_dist[rows] = _k_smallest_per_owner(owner, nbr, val, len(rows), k)


def _exact_neighbors(
    inputs: KnnInputs,
    k: int,
    block_size: int | None,
    dense_artists: int,
    n_threads: int | None,
    progress: Progress | None,
) -> tuple[np.ndarray, np.ndarray]:
    n = inputs.n_users
    k = min(k, max(n - 1, 0))
    if k == 0:
        return np.zeros((n, 0), dtype=np.int64), np.zeros((n, 0))
    n_threads = n_threads or default_threads()
    block = block_size or tile_size(n_threads)
    space = _build_feature_space(inputs, dense_artists)
    neighbors = np.full((n, k), -1, dtype=np.int64)
    sq_dist = np.full((n, k), np.inf)

    country = inputs.country
    codes, group = np.unique(country, return_inverse=True)
    order = np.argsort(group, kind="stable")
    bounds_at = np.searchsorted(group[order], np.arange(len(codes) + 1))
    partitions = [order[bounds_at[g] : bounds_at[g + 1]] for g in range(len(codes))]
    partitions.sort(key=len, reverse=True)  # big ones first: better load balance at the end
    pairs_within = sum(len(p) * (len(p) + 1) // 2 for p in partitions)
    # users of partitions with <= k members certainly search the others
    n_country = int((country >= 0).sum())
    small = sum(len(p) for p in partitions if len(p) <= k and country[p[0]] >= 0)
    pairs_cross = small * n_country

    report = ProgressReporter(progress, "neighbours", n)
    state = {"work": 0, "total": float(pairs_within + pairs_cross), "users": 0}
    scratch = threading.local()
    executor = ThreadPoolExecutor(n_threads) if n_threads > 1 else None

    def partition_tasks() -> Iterator[Callable[[], tuple]]:
        for members in partitions:
            yield from _PartitionSearch(space, members, k, block).tasks(scratch)

    def on_tile(result: object) -> None:
        search, i, j, row_part, col_part, work = result  # type: ignore[misc]
        finished = search.accept(i, j, row_part, col_part)
        state["work"] += work
        if len(search.members) > k:  # members of smaller partitions finish after the cross search
            state["users"] += finished
        if finished and all(p == 0 for p in search.pending):
            m = search.k
            neighbors[search.members, :m] = search.members[search.neighbors]
            sq_dist[search.members, :m] = search.sq_dist
            search.release()
        report.update(state["users"], state["work"] / state["total"])

    limits = threadpool_limits(limits=1, user_api="blas") if executor is not None else nullcontext()
    try:
        with limits:
            run_tasks(executor, partition_tasks(), on_tile, max_inflight=2 * n_threads)

            # Cross-partition search while the k-th d^2 exceeds the offset c.
            none_users = np.flatnonzero(country < 0)
            country_users = np.flatnonzero(country >= 0)
            levels: list[tuple[np.ndarray, np.ndarray, float, bool]] = []
            if len(none_users) and len(country_users):
                levels.append((country_users, none_users, 1.0, False))
                levels.append((none_users, country_users, 1.0, False))
            if len(np.unique(country[country_users])) > 1:
                levels.append((country_users, country_users, 2.0, True))
            for row_set, pool, offset, exclude in levels:
                rows = row_set[sq_dist[row_set, k - 1] > offset - 1e-12]
                if not len(rows):
                    continue
                bounds = _cross_bounds(space, rows, pool, sq_dist[rows], k, offset, exclude)
                found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
                state["total"] += max(0, len(rows) * len(pool) - (pairs_cross if offset == 2.0 else 0))

                def on_cross(result: object, found: list = found) -> None:
                    cs, r, c, v, work = result  # type: ignore[misc]
                    found.append((cs, r, c, v))
                    state["work"] += work
                    report.update(state["users"], state["work"] / state["total"])

                tasks = _cross_tasks(space, rows, pool, offset, bounds, exclude, block, scratch)
                run_tasks(executor, tasks, on_cross, max_inflight=2 * n_threads)
                found.sort(key=lambda f: f[0])  # arrival order varies
                cand = tuple(np.concatenate([f[i] for f in found]) for i in range(1, 4))
                _merge_lists(neighbors, sq_dist, rows, cand)  # type: ignore[arg-type]
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    state["users"] = n
    if (neighbors < 0).any():  # pragma: no cover - guards the search logic
        raise RuntimeError("exact_neighbors: internal error, some users got fewer than k neighbours")

    # Near-zero d^2: recompute from the difference and re-sort those rows.
    small_r, small_c = np.nonzero(sq_dist < _REFINE_BELOW)
    if len(small_r):
        sq_dist[small_r, small_c] = exact_squared_distances(inputs, small_r, neighbors[small_r, small_c])
        rows = np.unique(small_r)
        order = np.lexsort((neighbors[rows], sq_dist[rows]), axis=1)
        neighbors[rows] = np.take_along_axis(neighbors[rows], order, axis=1)
        sq_dist[rows] = np.take_along_axis(sq_dist[rows], order, axis=1)
    report.finish()
    return neighbors, np.sqrt(np.maximum(sq_dist, 0.0))


def exact_neighbors(
    plays_share: sp.spmatrix | sp.sparray,
    cold_baseline: np.ndarray,
    age_scaled: np.ndarray,
    country_index: np.ndarray,
    k: int,
    *,
    block_size: int | None = None,
    dense_artists: int = DEFAULT_DENSE_ARTISTS,
    n_threads: int | None = None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The exact k nearest neighbours of every user, self excluded.

    Features x(u) = [p(u, .) (cold users: cold_baseline), age_scaled(u),
    onehot(country_index(u))], Euclidean distance; inputs as for
    ``recommend_user_knn``. k_eff = min(k, n_users - 1) (all other users when
    there are too few). Ties at the k-th distance are broken either way
    (deterministically: not by thread timing).

    block_size: side of the distance tiles (default: ``tile_size`` for the
        thread count); dense_artists: most listened artists handled by the
        dense product (speed only); n_threads: worker threads (default: the
        CPUs available); progress: called with progress lines.
    Returns (indices, distances), both (n_users, k_eff): indices int64,
    distances float64, each row sorted by ascending distance.
    """
    k = check_count("k", k, 1)
    if block_size is not None:
        check_count("block_size", block_size, 1)
    check_count("dense_artists", dense_artists, 0)
    if n_threads is not None:
        check_count("n_threads", n_threads, 1)
    inputs = validate_inputs(plays_share, cold_baseline, age_scaled, country_index)
    return _exact_neighbors(inputs, k, block_size, dense_artists, n_threads, progress)


def neighbor_weights(distances: np.ndarray) -> np.ndarray:
    """w(u, v) = 1 - d(u, v) / max_d with max_d = the largest distance in the array.

    distances: (n, k) finite, >= 0. Returns (n, k) float64 in [0, 1]; the
    farthest neighbours get weight 0. Degenerate max_d == 0 (every neighbour
    at distance 0, e.g. all users identical, or no neighbours at all): every
    weight is 1, so scores are the plain mean of the neighbours' shares.
    """
    d = np.asarray(distances, dtype=np.float64)
    if d.ndim != 2:
        raise ValueError(f"distances: expected a 2-D (n_users, k) array, found shape {d.shape}")
    if not np.isfinite(d).all() or (d < 0).any():
        raise ValueError("distances: expected finite values >= 0, found NaN, inf or negative values")
    max_d = float(d.max()) if d.size else 0.0
    if max_d == 0.0:
        return np.ones_like(d)
    return 1.0 - d / max_d


# --------------------------------------------------------------------------
# Public: scores and top-n
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _ScoreContext:
    """Read-only arrays shared by the scoring blocks.

    Artists are renumbered by listeners (most first) for cache locality in
    the sparse product; ``artist_of`` maps back.

    plays_aug: (n + 1, A) CSR int32-indexed, renumbered: the share matrix
        (cold rows empty) and, as row n, the baseline on its L best artists.
    baseline_outside: (A,) renumbered baseline off those L artists, 0 on them.
    artist_of: (A,) renumbered -> caller's artist index.
    is_cold: (n,) bool.
    """

    plays_aug: sp.csr_matrix
    baseline_outside: np.ndarray
    baseline_outside_max: float
    artist_of: np.ndarray
    is_cold: np.ndarray


def _score_block(ctx: _ScoreContext, start: int, nbr: np.ndarray, weights: np.ndarray, top_n: int) -> Recommendations:
    """Recommendations for the users start .. start + len(nbr) - 1.

    nbr, weights: (b, k). With W = weights / k and beta_u = the sum of W(u, v)
    over u's cold neighbours v (whose p is the baseline),
        s(u, a) = sum over warm v of W(u, v) p(v, a) + beta_u * baseline(a).
    The baseline part is dense, but an artist off the support of the warm
    sum scores beta_u * baseline(a), so among those only the best by
    baseline can reach the top_n: the L = top_n + max listened + 1 best
    baseline artists (baseline desc, index asc) hold at least top_n + 1
    unheard ones that outrank, or tie with a smaller index, every other one.
    So one sparse product W' @ plays_aug, where W' has the warm neighbours'
    weights and beta_u on the baseline row, scores exactly every candidate
    (support of the warm sum plus those L), after adding beta_u * baseline
    on the support off the L. Listened artists get -inf through the user's
    own row with weight -inf in the same product, so the top_n are taken
    straight from the positive entries.
    """
    b, k = nbr.shape
    n = len(ctx.is_cold)
    users = np.arange(start, start + b)
    w = weights / k
    cold = ctx.is_cold[nbr]
    beta = np.where(cold, w, 0.0).sum(axis=1)
    # columns: the neighbours, the baseline row n, and the user itself with
    # weight -inf, which turns the user's listened artists into -inf scores
    cols = np.concatenate([nbr, np.full((b, 1), n), users[:, None]], axis=1)
    data = np.concatenate([w, beta[:, None], np.full((b, 1), -np.inf)], axis=1)
    valid = np.concatenate([~cold, (beta > 0)[:, None], ~ctx.is_cold[users, None]], axis=1)
    indptr = np.zeros(b + 1, dtype=np.int32)
    np.cumsum(valid.sum(axis=1), out=indptr[1:])
    mat = sp.csr_matrix((data[valid], cols[valid].astype(np.int32), indptr), shape=(b, n + 1))
    scores = _spgemm(mat, ctx.plays_aug)
    # scores.data misses beta_u * baseline(a) off the L best baseline artists;
    # that part is at most beta_u * max(baseline_outside), so the exact top_n
    # lie among the entries within that margin of the top_n-th largest raw value.
    counts = np.diff(scores.indptr)
    raw = scores.data
    threshold = row_thresholds(scores.indptr, raw, top_n) - beta * ctx.baseline_outside_max
    idx = np.flatnonzero(raw >= np.repeat(threshold, counts))
    rows = np.searchsorted(scores.indptr, idx, side="right") - 1
    artist = scores.indices[idx]
    vals = raw[idx] + beta[rows] * ctx.baseline_outside[artist]
    keep = vals > 0
    r, rank, c, v = top_n_per_row(rows[keep], ctx.artist_of[artist[keep]], vals[keep], b, top_n)
    return r + start, rank, c, v


def _score_top_n(
    inputs: KnnInputs,
    neighbors: np.ndarray,
    weights: np.ndarray,
    top_n: int,
    block_size: int,
    n_threads: int | None,
    progress: Progress | None,
) -> Recommendations:
    n, n_artists = inputs.plays.shape
    k = neighbors.shape[1]
    if n == 0 or k == 0 or n_artists == 0:
        return empty_recommendations()
    plays = inputs.plays
    n_top = min(n_artists, top_n + int(np.diff(plays.indptr).max()) + 1)
    best = np.lexsort((np.arange(n_artists), -inputs.baseline))[:n_top]
    best = best[inputs.baseline[best] > 0]
    artist_of = np.argsort(-np.bincount(plays.indices, minlength=n_artists), kind="stable")
    new_index = np.empty(n_artists, dtype=np.int32)
    new_index[artist_of] = np.arange(n_artists, dtype=np.int32)
    baseline = inputs.baseline[artist_of]
    baseline_outside = baseline.copy()
    baseline_outside[new_index[best]] = 0.0
    plays_aug = sp.csr_matrix(
        (
            np.concatenate([plays.data, inputs.baseline[best]]),
            np.concatenate([new_index[plays.indices], new_index[best]]),
            np.concatenate([plays.indptr, [plays.nnz + len(best)]]).astype(np.int32),
        ),
        shape=(n + 1, n_artists),
    )
    ctx = _ScoreContext(
        plays_aug, baseline_outside, float(baseline_outside.max()), artist_of.astype(np.int64), inputs.is_cold
    )

    n_threads = n_threads or default_threads()
    report = ProgressReporter(progress, "scoring", n)
    parts: dict[int, Recommendations] = {}
    done = [0]

    def tasks() -> Iterator[Callable[[], tuple]]:
        for s in range(0, n, block_size):
            e = min(n, s + block_size)
            yield lambda s=s, e=e: (s, e, _score_block(ctx, s, neighbors[s:e], weights[s:e], top_n))

    def on_block(result: object) -> None:
        s, e, recs = result  # type: ignore[misc]
        parts[s] = recs
        done[0] += e - s
        report.update(done[0], done[0] / n)

    executor = ThreadPoolExecutor(n_threads) if n_threads > 1 else None
    try:
        run_tasks(executor, tasks(), on_block, max_inflight=2 * n_threads)
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
    report.finish()
    ordered = [parts[s] for s in sorted(parts)]
    return tuple(np.concatenate([p[i] for p in ordered]) for i in range(4))  # type: ignore[return-value]


def score_top_n(
    plays_share: sp.spmatrix | sp.sparray,
    cold_baseline: np.ndarray,
    neighbor_indices: np.ndarray,
    weights: np.ndarray,
    top_n: int,
    *,
    block_size: int = DEFAULT_SCORE_BLOCK,
    n_threads: int | None = None,
    progress: Progress | None = None,
) -> Recommendations:
    """Scores s(u, a) = (1/k) sum_v w(u, v) p(v, a) and each user's top_n.

    plays_share, cold_baseline: as for ``recommend_user_knn`` (an empty row
    is a cold user: p = cold_baseline, listened to nothing).
    neighbor_indices: (n, k) user indices; weights: (n, k) finite, >= 0.
    Keeps artists with s > 0 the user has not listened to, rank 1 = highest
    score, ties by artist index ascending (fewer than top_n when there are
    not enough). Returns (user_index, rank, artist_index, score), one entry
    per recommendation, sorted by user then rank.
    """
    top_n = check_count("top_n", top_n, 1)
    check_count("block_size", block_size, 1)
    n_users = plays_share.shape[0] if sp.issparse(plays_share) else None
    nbr = np.asarray(neighbor_indices)
    w = np.asarray(weights, dtype=np.float64)
    if nbr.ndim != 2 or (n_users is not None and nbr.shape[0] != n_users):
        raise ValueError(f"neighbor_indices: expected shape ({n_users}, k), found {nbr.shape}")
    if not np.issubdtype(nbr.dtype, np.integer):
        raise TypeError(f"neighbor_indices: expected integers, found dtype {nbr.dtype}")
    if w.shape != nbr.shape:
        raise ValueError(f"weights: expected shape {nbr.shape} (like neighbor_indices), found {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights: expected finite values >= 0, found NaN, inf or negative values")
    n = nbr.shape[0]
    inputs = validate_inputs(plays_share, cold_baseline, np.zeros(n), np.zeros(n, dtype=np.int64))
    if nbr.size and (nbr.min() < 0 or nbr.max() >= n):
        raise ValueError(f"neighbor_indices: expected user indices in [0, {n}), found [{nbr.min()}, {nbr.max()}]")
    return _score_top_n(inputs, nbr.astype(np.int64), w, top_n, block_size, n_threads, progress)


# --------------------------------------------------------------------------
# Public: the whole recommender
# --------------------------------------------------------------------------


def recommend_user_knn(
    plays_share: sp.csr_matrix,
    cold_baseline: np.ndarray,
    age_scaled: np.ndarray,
    country_index: np.ndarray,
    neighbors: int = 99,
    top_n: int = 20,
    progress: Progress | None = None,
) -> Recommendations:
    """The seed's user-user kNN recommender with docs/spec.md section 2's semantics.

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
    idx, dist = _exact_neighbors(inputs, neighbors, None, DEFAULT_DENSE_ARTISTS, None, progress)
    weights = neighbor_weights(dist)
    return _score_top_n(inputs, idx, weights, top_n, DEFAULT_SCORE_BLOCK, None, progress)
