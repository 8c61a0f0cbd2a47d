"""The exact k nearest neighbours of every user for the seed kNN.

* Each country is searched on its own first (c = 0, ``_PartitionSearch``); a
  user searches the no-country users (c = 1) or the other countries (c = 2)
  only while its k-th smallest d^2 so far exceeds c: the exact bound check.
  Users of countries with fewer than k + 1 users always do.
* d^2 is symmetric, so each tile of a partition serves its rows and its
  columns (lastfm_recs.models.user_knn.distances computes the tiles).
* A cheap upper bound on every user's k-th d^2 (dot products are >= 0, so
  d^2(u, v) <= ||p_u||^2 + ||p_v||^2 + (a_u - a_v)^2; the k + 1 smallest of
  these per distinct age) turns the per-row selection into a comparison:
  only the few entries below the bound are kept and sorted.
* Tiles run on a thread pool (BLAS, scipy's sparse kernels and numpy release
  the GIL) with BLAS itself single-threaded.
* Pairs with d^2 < 1e-6 are recomputed from the difference x(u) - x(v), so
  distances agree with a direct computation to ~1e-12 (exact duplicates get
  exactly 0).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from lastfm_recs.blocks import Progress, ProgressReporter, default_threads, run_tasks
from lastfm_recs.checks import check_count
from lastfm_recs.models.user_knn.distances import (
    FeatureSpace,
    build_feature_space,
    exact_squared_distances,
    left_factors,
    neg2_transposed,
    right_factors,
    scratch_buffer,
    squared_distance_tile,
    tile_size,
)
from lastfm_recs.models.user_knn.validation import KnnInputs, validate_inputs

#: Most listened artists whose part of p.p goes through the dense product.
DEFAULT_DENSE_ARTISTS = 128
#: d^2 below this is recomputed from the feature difference.
_REFINE_BELOW = 1e-6
#: Added to every candidate bound so rounding (~1e-15) never drops a neighbour.
_BOUND_SLACK = 1e-10
#: At most this many distinct ages are used as exact keys for the bound.
_MAX_AGE_KEYS = 128


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

    def __init__(self, space: FeatureSpace, members: np.ndarray, k: int, block: int):
        self.members = members
        m = len(members)
        self.k = min(k, m - 1)
        self.bounds = self._bounds(space, members, k)
        self.blocks = [(s, min(m, s + block)) for s in range(0, m, block)]
        self.left = left_factors(space, members)
        self.right = right_factors(space, members)
        tail = space.tail[members]
        self.tail_rows = [tail[s:e] for s, e in self.blocks]
        self.tail_cols = [neg2_transposed(t) for t in self.tail_rows]
        nb = len(self.blocks)
        self.pending = [nb] * nb
        self.parts: list[list[tuple[int, int, tuple]]] = [[] for _ in range(nb)]
        self.neighbors = np.full((m, self.k), -1, dtype=np.int64)
        self.sq_dist = np.full((m, self.k), np.inf)

    @staticmethod
    def _bounds(space: FeatureSpace, members: np.ndarray, k: int) -> np.ndarray:
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
        d2 = scratch_buffer(scratch, "tile", rows * cols, np.float64).reshape(rows, cols)
        mask = scratch_buffer(scratch, "mask", rows * cols, np.bool_).reshape(rows, cols)
        squared_distance_tile(self.left[s:e], self.right[s2:e2], self.tail_rows[i], self.tail_cols[j], d2)
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
    space: FeatureSpace,
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
    space: FeatureSpace,
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
    left = left_factors(space, rows)
    tail = space.tail[rows]
    row_blocks = [(s, min(len(rows), s + block)) for s in range(0, len(rows), block)]
    tail_rows = [tail[s:e] for s, e in row_blocks]
    limit = bounds - offset

    def run(cs: int, ce: int) -> tuple:
        users = cols[cs:ce]
        right = right_factors(space, users)
        tail_cols = neg2_transposed(space.tail[users])
        out_r, out_c, out_v = [], [], []
        for (s, e), tail_left in zip(row_blocks, tail_rows):
            n_r, n_c = e - s, ce - cs
            d2 = scratch_buffer(scratch, "tile", n_r * n_c, np.float64).reshape(n_r, n_c)
            mask = scratch_buffer(scratch, "mask", n_r * n_c, np.bool_).reshape(n_r, n_c)
            squared_distance_tile(left[s:e], right, tail_left, tail_cols, d2)
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


def _partitions(country: np.ndarray) -> list[np.ndarray]:
    """The users of each country, and the no-country users as one more
    partition, biggest first (better load balance at the end)."""
    codes, group = np.unique(country, return_inverse=True)
    order = np.argsort(group, kind="stable")
    bounds_at = np.searchsorted(group[order], np.arange(len(codes) + 1))
    partitions = [order[bounds_at[g] : bounds_at[g + 1]] for g in range(len(codes))]
    partitions.sort(key=len, reverse=True)
    return partitions


def _cross_levels(country: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, float, bool]]:
    """The searches across partitions, in order: (row users, pool, offset c,
    whether the pool holds the rows' own countries, to be skipped)."""
    none_users = np.flatnonzero(country < 0)
    country_users = np.flatnonzero(country >= 0)
    levels = []
    if len(none_users) and len(country_users):
        levels.append((country_users, none_users, 1.0, False))
        levels.append((none_users, country_users, 1.0, False))
    if len(np.unique(country[country_users])) > 1:
        levels.append((country_users, country_users, 2.0, True))
    return levels


class _Search:
    """One exact search: every user's list so far (``neighbors``, ``sq_dist``,
    (n, k), inf / -1 padded), the worker pool and the progress line.

    Progress counts work in pairs of users: all pairs within the partitions,
    plus the cross pairs known in advance (users of partitions with <= k
    members certainly search the other countries) and those of each cross
    search when it starts.
    """

    def __init__(self, space: FeatureSpace, k: int, block: int, n_threads: int, partitions: list[np.ndarray],
                 progress: Progress | None):
        self.space, self.k, self.block, self.n_threads = space, k, block, n_threads
        n = len(space.country)
        self.neighbors = np.full((n, k), -1, dtype=np.int64)
        self.sq_dist = np.full((n, k), np.inf)
        country = space.country
        small = sum(len(p) for p in partitions if len(p) <= k and country[p[0]] >= 0)
        self.pairs_cross = small * int((country >= 0).sum())
        self.work = 0
        self.total = float(sum(len(p) * (len(p) + 1) // 2 for p in partitions) + self.pairs_cross)
        self.users_done = 0
        self.report = ProgressReporter(progress, "neighbours", n)
        self.scratch = threading.local()
        self.executor = ThreadPoolExecutor(n_threads) if n_threads > 1 else None

    def _progress(self, work: int) -> None:
        self.work += work
        self.report.update(self.users_done, self.work / self.total)

    def _run(self, tasks: Iterator[Callable[[], tuple]], on_result: Callable[[object], None]) -> None:
        run_tasks(self.executor, tasks, on_result, max_inflight=2 * self.n_threads)

    def within(self, partitions: list[np.ndarray]) -> None:
        """Each partition's own search (c = 0); its lists are copied out
        once all its tiles arrived."""

        def tasks() -> Iterator[Callable[[], tuple]]:
            for members in partitions:
                yield from _PartitionSearch(self.space, members, self.k, self.block).tasks(self.scratch)

        def on_tile(result: object) -> None:
            search, i, j, row_part, col_part, work = result  # type: ignore[misc]
            finished = search.accept(i, j, row_part, col_part)
            if len(search.members) > self.k:  # members of smaller partitions finish after the cross search
                self.users_done += finished
            if finished and all(p == 0 for p in search.pending):
                m = search.k
                self.neighbors[search.members, :m] = search.members[search.neighbors]
                self.sq_dist[search.members, :m] = search.sq_dist
                search.release()
            self._progress(work)

        self._run(tasks(), on_tile)

    def across(self, row_set: np.ndarray, pool: np.ndarray, offset: float, exclude: bool) -> None:
        """The users of ``row_set`` whose k-th d^2 so far exceeds ``offset``
        search ``pool`` (every pair there is at least ``offset`` apart)."""
        rows = row_set[self.sq_dist[row_set, self.k - 1] > offset - 1e-12]
        if not len(rows):
            return
        bounds = _cross_bounds(self.space, rows, pool, self.sq_dist[rows], self.k, offset, exclude)
        self.total += max(0, len(rows) * len(pool) - (self.pairs_cross if offset == 2.0 else 0))
        found: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []

        def on_block(result: object) -> None:
            cs, r, c, v, work = result  # type: ignore[misc]
            found.append((cs, r, c, v))
            self._progress(work)

        self._run(_cross_tasks(self.space, rows, pool, offset, bounds, exclude, self.block, self.scratch), on_block)
        found.sort(key=lambda f: f[0])  # arrival order varies
        cand = tuple(np.concatenate([f[i] for f in found]) for i in range(1, 4))
        _merge_lists(self.neighbors, self.sq_dist, rows, cand)  # type: ignore[arg-type]

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)


def _refine_near_zero(inputs: KnnInputs, neighbors: np.ndarray, sq_dist: np.ndarray) -> None:
    """Recompute the d^2 below _REFINE_BELOW from the difference of the
    features and re-sort those rows (by d^2, then index), in place."""
    small_r, small_c = np.nonzero(sq_dist < _REFINE_BELOW)
    if not len(small_r):
        return
    sq_dist[small_r, small_c] = exact_squared_distances(inputs, small_r, neighbors[small_r, small_c])
    rows = np.unique(small_r)
    order = np.lexsort((neighbors[rows], sq_dist[rows]), axis=1)
    neighbors[rows] = np.take_along_axis(neighbors[rows], order, axis=1)
    sq_dist[rows] = np.take_along_axis(sq_dist[rows], order, axis=1)


def search_neighbors(
    inputs: KnnInputs,
    k: int,
    block_size: int | None = None,
    dense_artists: int = DEFAULT_DENSE_ARTISTS,
    n_threads: int | None = None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``exact_neighbors`` on validated inputs: each partition (country)
    first, then across partitions while a user's k-th d^2 exceeds the offset
    c, then the near-zero pairs recomputed exactly."""
    n = inputs.n_users
    k = min(k, max(n - 1, 0))
    if k == 0:
        return np.zeros((n, 0), dtype=np.int64), np.zeros((n, 0))
    n_threads = n_threads or default_threads()
    partitions = _partitions(inputs.country)
    search = _Search(build_feature_space(inputs, dense_artists), k, block_size or tile_size(n_threads), n_threads,
                     partitions, progress)
    limits = threadpool_limits(limits=1, user_api="blas") if search.executor is not None else nullcontext()
    try:
        with limits:
            search.within(partitions)
            for level in _cross_levels(inputs.country):
                search.across(*level)
    finally:
        search.close()
    neighbors, sq_dist = search.neighbors, search.sq_dist
    if (neighbors < 0).any():  # pragma: no cover - guards the search logic
        raise RuntimeError("exact_neighbors: internal error, some users got fewer than k neighbours")
    _refine_near_zero(inputs, neighbors, sq_dist)
    search.report.finish()
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
    return search_neighbors(inputs, k, block_size, dense_artists, n_threads, progress)
