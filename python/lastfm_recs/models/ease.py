"""ease: EASE (Steck 2019, "Embarrassingly shallow autoencoders") on the
``artists`` most listened artists H (ties by index) among those with at least
EASE_MIN_LISTENERS listeners, with the user's profile
as extra input columns (side information in closed form, Jeunen, Van Balen &
Goethals 2020). A linear item-item model with a closed form, not a
factorisation::

    z(u)      = [w_H(u, .), country_weight * onehot(country(u)),
                 age_band_weight * onehot(age band(u))]
                (w_H: the weighted plays on H; a user without a country has
                no country 1; profile columns of weight 0 are left out)
    G         = z^T z + l2 * I                  (|Z| x |Z|)
    P         = G^-1
    B(i, j)   = -P(i, j) / P(j, j) for i != j, B(j, j) = 0
    s(u, a)   = (z(u) B)(a) for a in H

The profile columns let B learn what each country and age band listens to
beside the plays (a cold user with a country gets EASE scores from it); with
both weights 0 this is plain EASE. Then the fallback for the rest: when
fewer than top_n artists of H score > 0 for a user (a cold user without a
profile column, or one who played little in H), the list is filled with the
most listened unplayed artists outside it, with scores below the user's last
EASE score (score = that score * listeners(a) / (2 * listeners of the first
filler)), or listeners(a) / n_users when the user has no EASE score at all.

Recommends the ``top_n`` unplayed artists with s > 0, ties by artist index.
EASE scores are float32 (the weight matrix is).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from lastfm_recs.blocks import Progress, default_threads, dense_blocks, even_blocks, map_blocks
from lastfm_recs.checks import check_choice, check_count, check_number
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.ranking import (
    Recommendations,
    concat_recommendations,
    empty_recommendations,
    first_unseen,
    top_n_dense,
)
from lastfm_recs.weighting import WEIGHTINGS, listeners, weight_plays

#: Columns of B per contiguous chunk: w_H(u, .) B then reads cache-sized
#: rows (measured at full size: 2.8x faster than one 5,000-column product).
EASE_CHUNK_COLUMNS = 512

#: Artists need this many listeners to enter EASE's dense item set H; the
#: others are recommended by the popularity fallback. It bounds |H| by the
#: data (at most half the play rows) rather than by one user's artists.
EASE_MIN_LISTENERS = 2


@dataclass(frozen=True)
class Ease:
    """Fitted ease: ``head`` (|H|,) artist indices ascending, the artist
    columns of B (|Z|, |H|) float32 as ``weight_chunks`` of EASE_CHUNK_COLUMNS
    columns, ``weighted_head`` w_H (n_users, |H|), ``profile`` the weighted
    profile columns of z (n_users, |Z| - |H|), ``popular`` the artists by
    listeners (most first, ties by index; with a listener)."""

    head: np.ndarray
    weight_chunks: tuple[np.ndarray, ...]
    weighted_head: sp.csr_matrix
    profile: sp.csr_matrix
    seen: sp.csr_matrix
    popular: np.ndarray
    listeners: np.ndarray
    progress: Progress | None = None
    #: Users in the whole fit, for the fallback's listeners / n_users when the
    #: rows here are one partition of them (Spark, lastfm_recs.spark_scoring);
    #: None = the rows of ``seen``.
    n_users: int | None = None

    def scores(self, users: np.ndarray) -> np.ndarray:
        """(len(users), |H|) float32 s(u, a) over the head."""
        rows = self.weighted_head[users]
        if self.profile.shape[1]:
            rows = sp.hstack([rows, self.profile[users]], format="csr")
        out = np.empty((len(users), len(self.head)), dtype=np.float32)
        start = 0
        for chunk in self.weight_chunks:
            out[:, start:start + chunk.shape[1]] = rows @ chunk
            start += chunk.shape[1]
        return out

    def _head_lists(self, users: np.ndarray, top_n: int) -> Recommendations:
        def work(start: int, end: int) -> tuple[np.ndarray, ...]:
            block = users[start:end]
            row, rank, column, score = top_n_dense(self.scores(block), self.weighted_head[block], top_n)
            return block[row], rank, self.head[column], score

        blocks = dense_blocks(len(users), len(self.head))
        return concat_recommendations(map_blocks(work, blocks, label="ease: scoring", progress=self.progress))

    def _fallback(self, users: np.ndarray, lists: Recommendations, top_n: int) -> Recommendations:
        """The lists of ``users`` filled up to top_n from ``popular`` (docstring)."""
        user, rank, artist, score = lists
        position = np.searchsorted(users, user)
        count = np.bincount(position, minlength=len(users))
        short = np.flatnonzero(count < top_n)
        if len(short) == 0 or len(self.popular) == 0:
            return lists
        # the fillers must avoid what each short user played or already got
        is_short = np.zeros(len(users), dtype=bool)
        is_short[short] = True
        mine = is_short[position]
        listed = sp.csr_matrix(
            (np.ones(int(mine.sum())), (np.searchsorted(short, position[mine]), artist[mine])),
            shape=(len(short), self.seen.shape[1]),
        )
        avoid = (self.seen[users[short]] + listed).tocsr()
        width = min(len(self.popular), top_n + int(np.diff(avoid.indptr).max()))
        candidates = np.broadcast_to(self.popular[:width], (len(short), width))
        row, fill_rank, _, fill_artist = first_unseen(np.arange(len(short)), candidates, avoid, top_n)
        keep = fill_rank <= top_n - count[short][row]
        row, fill_rank, fill_artist = row[keep], fill_rank[keep], fill_artist[keep]
        last = np.full(len(short), np.nan)
        last[np.searchsorted(short, position[mine])] = score[mine]  # rank order: the last write is the lowest
        first = np.zeros(len(short))
        first[row[::-1]] = self.listeners[fill_artist[::-1]]  # each row's first filler
        fill_score = np.where(
            np.isnan(last[row]),
            self.listeners[fill_artist] / (self.n_users or self.seen.shape[0]),
            last[row] * self.listeners[fill_artist] / (2.0 * first[row]),
        )
        all_rows = np.concatenate([position, short[row]])
        all_rank = np.concatenate([rank, count[short][row] + fill_rank])
        # two runs sorted by (row, rank), the fillers after the lists: a stable
        # sort by row merges them in linear time
        order = np.argsort(all_rows, kind="stable")
        return Recommendations(
            users[all_rows[order]],
            all_rank[order],
            np.concatenate([artist, fill_artist])[order],
            np.concatenate([score.astype(np.float64), fill_score])[order],
        )

    def recommend(self, users: np.ndarray, top_n: int) -> Recommendations:
        top_n = check_count("top_n", top_n, 1)
        users = np.unique(np.asarray(users, dtype=np.int64))
        if len(users) == 0:
            return empty_recommendations()
        return self._fallback(users, self._head_lists(users, top_n), top_n)


def ease_weights(gram: np.ndarray, l2: float, overwrite_gram: bool = False) -> np.ndarray:
    """B = -P / diag(P) column-wise, diag(B) = 0, P = (gram + l2 I)^-1, for a
    symmetric positive semi-definite ``gram`` (|H|, |H|) and l2 > 0.
    With ``overwrite_gram`` a float64 ``gram`` is used as scratch space (at
    10,000 artists each dense copy is 0.8 GB)."""
    g = np.asarray(gram, dtype=np.float64) if overwrite_gram else np.array(gram, dtype=np.float64)
    g[np.diag_indices_from(g)] += l2
    if len(g) == 0:  # LAPACK refuses an empty matrix
        return g
    # P by Cholesky inversion (LAPACK potrf + potri, in place): half the work
    # of solving against the identity (benchmarks/bench_ease_solve.py). The
    # transpose is the same symmetric matrix in Fortran order, which LAPACK
    # can overwrite without a copy; potri fills one triangle.
    factor, info = scipy.linalg.lapack.dpotrf(g.T, lower=False, overwrite_a=True, clean=False)
    if info == 0:
        p, info = scipy.linalg.lapack.dpotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"ease: gram + l2 I is not positive definite (LAPACK info {info})")
    del factor, g
    mirror_upper_triangle(p)
    p /= -np.diag(p).copy()[None, :]
    p[np.diag_indices_from(p)] = 0.0
    return p


def mirror_upper_triangle(square: np.ndarray, block: int = 1024) -> None:
    """Copies the upper triangle of ``square`` onto its lower one, in place,
    a block of columns at a time (np.triu would take two more dense copies)."""
    n = len(square)
    for start in range(0, n, block):
        end = min(n, start + block)
        square[end:, start:end] = square[start:end, end:].T
        diagonal = square[start:end, start:end]
        below = np.tril_indices(end - start, -1)
        diagonal[below] = diagonal.T[below]


def gram(weighted: sp.csr_matrix, progress: Progress | None = None) -> np.ndarray:
    """w^T w as a dense float64 (|H|, |H|) array, summed over blocks of users
    on every core (the sparse product itself is single-threaded)."""
    n_threads = default_threads()
    blocks = even_blocks(weighted.shape[0], max(1, -(-weighted.shape[0] // n_threads)))
    parts = map_blocks(lambda s, e: (weighted[s:e].T @ weighted[s:e]).toarray(), blocks,
                       label="ease: gram", progress=progress, n_threads=n_threads)
    if not parts:
        return np.zeros((weighted.shape[1],) * 2)
    total = parts.pop(0)
    while parts:  # summed in place: one dense copy at a time
        total += parts.pop(0)
    return total


def profile_columns(country_index: np.ndarray, age_band_index: np.ndarray, country_weight: float,
                    age_band_weight: float) -> sp.csr_matrix:
    """(n_users, C + B) CSR: ``country_weight`` in the column of the user's
    country (none for country -1) and ``age_band_weight`` in that of the
    user's age band; the countries' (C = max index + 1) or the bands' columns
    are left out when their weight is 0."""
    n = len(country_index)
    parts = []
    for codes, weight in ((np.asarray(country_index), country_weight), (np.asarray(age_band_index), age_band_weight)):
        if weight == 0 or n == 0:
            continue
        known = np.flatnonzero(codes >= 0)
        parts.append(sp.csr_matrix((np.full(len(known), weight), (known, codes[known])),
                                   shape=(n, int(codes.max()) + 1 if len(known) else 0)))
    return sp.hstack(parts, format="csr") if parts else sp.csr_matrix((n, 0))


def ease_head(count: np.ndarray, artists: int) -> tuple[np.ndarray, np.ndarray]:
    """From listeners per artist (A,): ``popular``, the artists with a
    listener by listeners descending, ties by index, and ``head`` H, the
    first ``artists`` of them with at least EASE_MIN_LISTENERS listeners, in
    ascending index order."""
    popular = np.lexsort((np.arange(len(count)), -count))
    popular = popular[count[popular] > 0]
    # an artist only one user played relates no two users, and the dense
    # gram is |H|^2: without this, one user with 10,000 artists of their own
    # makes a 300-user build allocate gigabytes (docs/reliability.md)
    return popular, np.sort(popular[count[popular] >= EASE_MIN_LISTENERS][:artists])


def fit_ease(inputs: ScoringInputs, rng: np.random.Generator, *, artists: int = 5000, l2: float = 500.0,
             weighting: str = "binary", country_weight: float = 0.0, age_band_weight: float = 0.0,
             progress: Progress | None = None) -> Ease:
    """ease (module docstring) on the ``artists`` most listened artists, with
    the profile columns of ``country_weight`` and ``age_band_weight`` (0 =
    plain EASE); ``rng`` is not used."""
    artists = check_count("artists", artists, 1)
    l2 = check_number("l2", l2, 1e-12)
    check_choice("weighting", weighting, WEIGHTINGS)
    country_weight = check_number("country_weight", country_weight, 0.0)
    age_band_weight = check_number("age_band_weight", age_band_weight, 0.0)
    count = listeners(inputs.plays)
    popular, head = ease_head(count, artists)
    weighted_head = sp.csr_matrix(weight_plays(inputs.plays, weighting)[:, head])
    profile = profile_columns(inputs.country_index, inputs.age_band_index, country_weight, age_band_weight)
    start = time.perf_counter()
    features = sp.hstack([weighted_head, profile], format="csr")
    weights = ease_weights(gram(features, progress), l2, overwrite_gram=True)[:, :len(head)].astype(np.float32)
    if progress:
        progress(f"ease: fitted on {len(head):,} artists and {profile.shape[1]} profile columns "
                 f"in {time.perf_counter() - start:.1f} s")
    return Ease(
        head=head,
        weight_chunks=tuple(np.ascontiguousarray(weights[:, c:c + EASE_CHUNK_COLUMNS])
                            for c in range(0, len(head), EASE_CHUNK_COLUMNS)),
        weighted_head=weighted_head.astype(np.float32),
        profile=profile.astype(np.float32),
        seen=inputs.plays,
        popular=popular,
        listeners=count,
        progress=progress,
    )
