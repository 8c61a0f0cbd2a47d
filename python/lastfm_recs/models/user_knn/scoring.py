"""Scores and top-n of the seed kNN, from the neighbours and their weights.

    w(u, v)   = 1 - d(u, v) / max_d          (w = 1 everywhere when max_d == 0)
    s(u, a)   = (1 / k) * sum over v in N(u) of w(u, v) * p(v, a)

Scores, per block of users, are one sparse product W' @ [P; b_L]: W' holds
the weights of the warm neighbours, the cold neighbours' total weight on an
extra row b_L = the baseline on its L best artists, and -inf on the user's
own row (so listened artists score -inf). The rest of a cold neighbour's
dense baseline row is added exactly where it can matter: an artist off the
product's support scores at most the L-th best baseline value, below the
top_n (see ``_score_block``). Top-n per row from a thresholded partition,
ties by artist index. Blocks run on a thread pool (lastfm_recs.blocks).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import Progress, even_blocks, map_blocks
from lastfm_recs.checks import check_count
from lastfm_recs.models.user_knn.distances import spgemm
from lastfm_recs.models.user_knn.validation import KnnInputs, validate_inputs, validate_neighbors
from lastfm_recs.ranking import (
    Ranked,
    Recommendations,
    concat_recommendations,
    empty_recommendations,
    row_thresholds,
    top_n_per_row,
)

#: Users per scoring block.
DEFAULT_SCORE_BLOCK = 1024


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


def _score_block(ctx: _ScoreContext, start: int, nbr: np.ndarray, weights: np.ndarray, top_n: int) -> Ranked:
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
    scores = spgemm(mat, ctx.plays_aug)
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


def _score_context(inputs: KnnInputs, top_n: int) -> _ScoreContext:
    """The arrays every block reads (_ScoreContext), for lists of ``top_n``."""
    plays = inputs.plays
    n, n_artists = plays.shape
    n_top = min(n_artists, top_n + int(np.diff(plays.indptr).max()) + 1)
    best = np.lexsort((np.arange(n_artists), -inputs.baseline))[:n_top]
    best = best[inputs.baseline[best] > 0]
    artist_of = np.argsort(-np.bincount(plays.indices, minlength=n_artists), kind="stable")
    new_index = np.empty(n_artists, dtype=np.int32)
    new_index[artist_of] = np.arange(n_artists, dtype=np.int32)
    baseline_outside = inputs.baseline[artist_of]
    baseline_outside[new_index[best]] = 0.0
    plays_aug = sp.csr_matrix(
        (
            np.concatenate([plays.data, inputs.baseline[best]]),
            np.concatenate([new_index[plays.indices], new_index[best]]),
            np.concatenate([plays.indptr, [plays.nnz + len(best)]]).astype(np.int32),
        ),
        shape=(n + 1, n_artists),
    )
    return _ScoreContext(
        plays_aug, baseline_outside, float(baseline_outside.max()), artist_of.astype(np.int64), inputs.is_cold
    )


def scores_top_n(
    inputs: KnnInputs,
    neighbors: np.ndarray,
    weights: np.ndarray,
    top_n: int,
    block_size: int = DEFAULT_SCORE_BLOCK,
    n_threads: int | None = None,
    progress: Progress | None = None,
) -> Recommendations:
    """``score_top_n`` on validated inputs: blocks of ``block_size`` users
    (``_score_block``) on ``n_threads`` threads, progress lines "scoring: ..."."""
    n, n_artists = inputs.plays.shape
    if n == 0 or neighbors.shape[1] == 0 or n_artists == 0:
        return empty_recommendations()
    ctx = _score_context(inputs, top_n)
    parts = map_blocks(
        lambda s, e: _score_block(ctx, s, neighbors[s:e], weights[s:e], top_n),
        even_blocks(n, block_size),
        label="scoring",
        progress=progress,
        n_threads=n_threads,
    )
    return concat_recommendations(parts)


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
    n = plays_share.shape[0] if sp.issparse(plays_share) and plays_share.ndim == 2 else 0
    inputs = validate_inputs(plays_share, cold_baseline, np.zeros(n), np.zeros(n, dtype=np.int64))
    nbr, w = validate_neighbors(neighbor_indices, weights, n)
    return scores_top_n(inputs, nbr, w, top_n, block_size, n_threads, progress)
