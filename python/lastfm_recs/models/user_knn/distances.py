"""Squared distances of the seed kNN without a dense n x n or n x A matrix.

x(u) = [p(u, .), age_scaled(u), onehot(country(u))] (a cold user's p is the
baseline), and

    d^2(u, v) = ||p_u - p_v||^2 + (a_u - a_v)^2 + c(u, v),

c = 0 for the same country (or both without one), 1 when exactly one has no
country, 2 for two different countries (the search handles c). For a tile
of users x users the rest is one dense matrix product plus one sparse one:
the ``dense_artists`` most listened artists ("head") and the terms ||p||^2,
age and the cold-user baseline go through BLAS as ``Y @ Z.T``
(``left_factors`` / ``right_factors``), the remaining "tail" artists, where
few pairs overlap, through a sparse product.

The expansion ||x||^2 + ||y||^2 - 2 x.y in float64 has an absolute error of
~1e-15; ``exact_squared_distances`` recomputes the few near-zero pairs from
the difference x(u) - x(v).
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lastfm_recs.models.user_knn.validation import KnnInputs

try:  # scipy's C++ kernels behind .toarray() (adds into its output) and @
    from scipy.sparse._sparsetools import csr_matmat as _csr_matmat
    from scipy.sparse._sparsetools import csr_todense as _csr_todense
except ImportError:  # pragma: no cover - private scipy API; public fallbacks below
    _csr_matmat = _csr_todense = None

#: + sparse product, ~14 bytes per entry); sets the tile side (see tile_size).
DEFAULT_TILE_BUDGET_BYTES = 160 * 2**20


def scratch_buffer(store: threading.local, name: str, size: int, dtype: type) -> np.ndarray:
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


def add_csr_into(mat: sp.csr_matrix, out: np.ndarray) -> None:
    """out += mat for a CSR ``mat`` and a C-contiguous dense ``out`` of the same shape."""
    if mat.nnz == 0:
        return
    if _csr_todense is not None:
        _csr_todense(mat.shape[0], mat.shape[1], mat.indptr, mat.indices, mat.data, out)
    else:  # pragma: no cover
        out += mat.toarray()


def spgemm(left: sp.csr_matrix, right: sp.csr_matrix) -> sp.csr_matrix:
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
class FeatureSpace:
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


def build_feature_space(inputs: KnnInputs, dense_artists: int) -> FeatureSpace:
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
    return FeatureSpace(
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


def right_factors(space: FeatureSpace, users: np.ndarray) -> np.ndarray:
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


def left_factors(space: FeatureSpace, users: np.ndarray) -> np.ndarray:
    """Y (len(users), H + 5), the partner of ``right_factors``:

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


def neg2_transposed(tail_rows: sp.csr_matrix) -> sp.csr_matrix:
    """(-2 * tail_rows).T as CSR, the right operand of the tail product."""
    return (tail_rows * -2.0).T.tocsr()


def squared_distance_tile(
    left: np.ndarray,
    right: np.ndarray,
    tail_left: sp.csr_matrix,
    tail_right_neg2_t: sp.csr_matrix,
    out: np.ndarray,
) -> np.ndarray:
    """out[i, j] = ||p_i - p_j||^2 + (a_i - a_j)^2 for row users i, column users j.

    left: (r, H + 5) ``left_factors`` of the rows; right: (c, H + 5)
    ``right_factors`` of the columns; tail_left: (r, A - H) CSR tail rows;
    tail_right_neg2_t: (A - H, c) CSR, ``neg2_transposed`` of the column
    tails; out: (r, c) C-contiguous float64, overwritten. No country term.
    """
    np.matmul(left, right.T, out=out)
    if tail_left.nnz and tail_right_neg2_t.nnz:
        add_csr_into(spgemm(tail_left, tail_right_neg2_t), out)
    return out


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
