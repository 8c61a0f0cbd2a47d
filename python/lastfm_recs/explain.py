"""Why each artist is recommended: the user's own artists behind its score.

For a recommendation (u, a) with score s, a model's explanation splits it as

    s         = sum over the artists i the user played of c(i) + r

c(i) is artist i's contribution and r the rest (the profile columns, the
popularity fill, a cold neighbour's baseline, ...). The reasons are the up to
``max_reasons`` artists with the largest positive c(i) (ties by artist
index), each with

    share(i)  = c(i) / (sum of the positive c(j) + max(r, 0))

so the shares of a recommendation's reasons are in (0, 1] and sum to at most
1; when no part is negative, share(i) = c(i) / s. Per model:

- ease: c(i) = w_H(u, i) B(i, a) exactly (a outside H or with an EASE
  score <= 0, the popularity fill: none);
- item_knn: c(i) = w(u, i) S(i, a) exactly;
- user_knn_cosine: c(i) = (1 - beta) x_u(i) sum over v in N(u) of
  x_v(i) x_v(a), x = unit rows of w: the plays part of sim(u, v) taken
  apart artist by artist, exactly (the profile part is r);
- user_knn (seed): each neighbour's term w(u, v) p(v, a) / k split over the
  artists u shares with v in proportion to p(u, i) p(v, i) (cold
  neighbours: p(v, .) = the baseline); neighbours sharing nothing go to r;
- als: implicit's ``explain``, c(i) = c_ui y_a^T W_u y_i (Hu, Koren &
  Volinsky 2008, section 5); its total is x_u . y_a for the user's factors
  re-solved exactly, so r holds what the last item sweep and the solver
  changed;
- hybrid: sum over the components m whose list holds a of
  weights[m] / max of L_m(u) times m's c(i);
- popularity, random, profile_popularity: none (the user's artists do not
  enter the score).

Every c(i) is computed from the fitted model, never by refitting it (the
seed's user_knn finds its neighbours again: its model is the search).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import Progress, even_blocks, iter_blocks
from lastfm_recs.checks import check_count
from lastfm_recs.models.als import FactorModel
from lastfm_recs.models.ease import Ease
from lastfm_recs.models.hybrid import Hybrid
from lastfm_recs.models.item_knn import ItemKnn
from lastfm_recs.models.user_knn import UserKnn, exact_neighbors, neighbor_weights
from lastfm_recs.models.user_knn_cosine import UserKnnCosine
from lastfm_recs.ranking import Recommendations

#: Recommendations explained per block (one block's contributions are dense,
#: recommendations x the most artists a user of the block played).
EXPLAIN_BLOCK_USERS = 4096

#: A block explainer: (block_users, rec_user_row, rec_artist, own) -> c, where
#: block_users (b,) are sorted user indices, rec_user_row (n,) the row in
#: block_users of each recommendation, rec_artist (n,) its artist, own (b, w)
#: each user's played artists ascending (-1 padding); c is (n, w) float64,
#: c[r, t] the contribution of artist own[rec_user_row[r], t].
BlockExplainer = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Reasons:
    """The reasons of a list of recommendations, one entry per reason,
    ordered by recommendation then reason_rank.

    recommendation: (m,) position of the explained recommendation in the
        arrays given to ``explain``; reason_rank: 1..max_reasons;
    artist_index: the user's artist i; contribution: c(i); share: share(i).
    """

    recommendation: np.ndarray
    reason_rank: np.ndarray
    artist_index: np.ndarray
    contribution: np.ndarray
    share: np.ndarray

    @classmethod
    def empty(cls) -> Reasons:
        return cls(*(np.empty(0, dtype) for dtype in (np.int64, np.int64, np.int64, np.float64, np.float64)))


def own_artists(seen: sp.csr_matrix, users: np.ndarray) -> np.ndarray:
    """(len(users), w) the artists of each user's row of ``seen``, ascending,
    padded with -1 (w = the longest row)."""
    indptr = seen.indptr
    counts = (indptr[users + 1] - indptr[users]).astype(np.int64)
    width = int(counts.max()) if len(counts) else 0
    out = np.full((len(users), width), -1, dtype=np.int64)
    mask = np.arange(width)[None, :] < counts[:, None]
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    out[mask] = seen.indices[np.repeat(indptr[users], counts) + within]
    return out


def _row_values(mat: sp.csr_matrix, users: np.ndarray, own: np.ndarray) -> np.ndarray:
    """(b, w) mat(u, own[u, t]) for a ``mat`` with the pattern of the plays
    (every played artist stored, in ascending order), 0 on the padding."""
    rows = mat[users]
    rows.sort_indices()
    out = np.zeros(own.shape)
    mask = own >= 0
    if rows.nnz != int(mask.sum()):
        raise ValueError("explain: the model's weights do not have the pattern of the plays")
    out[mask] = rows.data
    return out


def _ease(model: Ease) -> BlockExplainer:
    head = model.head
    # B's columns as rows (|H|, |Z|) float32, so that the weights of one
    # recommended artist are one contiguous row: the gathers below read rows of
    # the artists in turn instead of striding through B (cache misses)
    columns = np.concatenate([np.ascontiguousarray(chunk.T) for chunk in model.weight_chunks]) \
        if model.weight_chunks else np.zeros((0, len(head)), np.float32)

    def explain_block(users, rec_row, rec_artist, own):
        out = np.zeros((len(rec_row), own.shape[1]), dtype=np.float32)
        if len(head) == 0 or own.shape[1] == 0:
            return out
        pos_a = np.minimum(np.searchsorted(head, rec_artist), len(head) - 1)
        pos_own = np.minimum(np.searchsorted(head, np.maximum(own, 0)), len(head) - 1)
        in_head_own = (own >= 0) & (head[pos_own] == own)
        # w_H(u, i) in the layout of own (0 outside H and on the padding)
        weight = np.zeros(own.shape, dtype=np.float32)
        rows = model.weighted_head[users]
        rows.sort_indices()
        weight[in_head_own] = rows.data
        # the user's profile columns of z, padded: values and positions in z past H
        profile_rows = model.profile[users]
        profile_width = int(np.diff(profile_rows.indptr).max()) if profile_rows.shape[1] and len(users) else 0
        profile = np.zeros((len(users), profile_width), dtype=np.float32)
        profile_column = np.zeros((len(users), profile_width), dtype=np.int64)
        if profile_width:
            filled = np.arange(profile_width)[None, :] < np.diff(profile_rows.indptr)[:, None]
            profile[filled] = profile_rows.data
            profile_column[filled] = profile_rows.indices + len(head)
        recs = np.flatnonzero(head[pos_a] == rec_artist)
        recs = recs[np.argsort(pos_a[recs], kind="stable")]  # artist by artist: each row of B^T read once
        artist_rows = pos_a[recs][:, None]
        user_rows = rec_row[recs]
        out[recs] = weight[user_rows] * columns[artist_rows, pos_own[user_rows]]
        ease_score = out[recs].sum(axis=1)
        if profile_width:
            ease_score += (profile[user_rows] * columns[artist_rows, profile_column[user_rows]]).sum(axis=1)
        # a head artist with an EASE score <= 0 is in the list as popularity fill: no reasons
        out[recs[ease_score <= 0]] = 0.0
        return out

    return explain_block


def _item_knn(model: ItemKnn) -> BlockExplainer:
    def explain_block(users, rec_row, rec_artist, own):
        weight = _row_values(model.weighted, users, own)[rec_row]
        mask = own[rec_row] >= 0
        out = np.zeros(weight.shape)
        if mask.any():
            rows = own[rec_row][mask]
            cols = np.broadcast_to(rec_artist[:, None], mask.shape)[mask]
            out[mask] = weight[mask] * np.asarray(model.similar[rows, cols]).ravel()
        return out

    return explain_block


def _per_user(contribute: Callable[[int, np.ndarray, np.ndarray], np.ndarray]) -> BlockExplainer:
    """A block explainer from contribute(user, own artists, recommended
    artists) -> (len(own), len(artists)) contributions, one user at a time."""

    def explain_block(users, rec_row, rec_artist, own):
        out = np.zeros((len(rec_row), own.shape[1]))
        starts = np.searchsorted(rec_row, np.arange(len(users) + 1))
        for row, user in enumerate(users.tolist()):
            recs = np.arange(starts[row], starts[row + 1])
            mine = own[row][own[row] >= 0]
            if len(recs) and len(mine):
                out[recs, :len(mine)] = contribute(user, mine, rec_artist[recs]).T
        return out

    return explain_block


def _user_knn_cosine(model: UserKnnCosine) -> BlockExplainer:
    def explain_block(users, rec_row, rec_artist, own):
        neighbours = model.neighbours(users)

        def contribute(user, mine, artists):
            row = int(np.searchsorted(users, user))
            near = neighbours.indices[neighbours.indptr[row]:neighbours.indptr[row + 1]]
            x = model.unit_rows[near]
            together = (x[:, mine].T @ x[:, artists]).toarray()  # sum over v of x_v(i) x_v(a)
            mine_x = model.unit_rows[user, mine].toarray().ravel()
            return (1.0 - model.profile_weight) * mine_x[:, None] * together

        return _per_user(contribute)(users, rec_row, rec_artist, own)

    return explain_block


def _user_knn(model) -> BlockExplainer:
    inputs = model.inputs
    share = inputs.plays_share
    near, distances = exact_neighbors(share, inputs.cold_baseline, model.age_scaled, model.country_index,
                                      model.neighbors)
    weights = neighbor_weights(distances)
    cold = np.diff(share.indptr) == 0
    k = near.shape[1]

    def contribute(user, mine, artists):
        v = near[user]
        p_own = share[v][:, mine].toarray()
        p_rec = share[v][:, artists].toarray()
        p_own[cold[v]] = inputs.cold_baseline[mine]
        p_rec[cold[v]] = inputs.cold_baseline[artists]
        p_user = share[user, mine].toarray().ravel()
        dots = p_own @ p_user
        coef = np.divide(weights[user], k * dots, out=np.zeros(len(v)), where=dots > 0)
        return p_user[:, None] * ((p_own * coef[:, None]).T @ p_rec)

    return _per_user(contribute)


def _als(model: FactorModel) -> BlockExplainer:
    from implicit.cpu.als import AlternatingLeastSquares  # imported here: only this model needs it

    if model.confidence is None:
        raise ValueError("explain: this als model was fitted without its confidence matrix (FactorModel.confidence)")
    als = AlternatingLeastSquares(factors=model.item_factors.shape[1], regularization=model.regularization,
                                  alpha=1.0)
    als.item_factors = model.item_factors
    als.user_factors = model.user_factors
    confidence = sp.csr_matrix(model.confidence, dtype=np.float32)

    def contribute(user, mine, artists):
        out = np.zeros((len(mine), len(artists)))
        cache = None
        for column, artist in enumerate(artists.tolist()):
            _, parts, cache = als.explain(user, confidence, artist, user_weights=cache, N=len(mine))
            items = np.array([item for item, _ in parts], dtype=np.int64)
            out[np.searchsorted(mine, items), column] = [value for _, value in parts]
        return out

    return _per_user(contribute)


def _hybrid(model: Hybrid) -> BlockExplainer:
    parts = {name: (component, block_explainer(component)) for name, component in model.components.items()}

    def explain_block(users, rec_row, rec_artist, own):
        out = np.zeros((len(rec_row), own.shape[1]))
        n_artists = model.seen.shape[1]
        wanted = users[rec_row] * n_artists + rec_artist
        for name, (component, explain_component) in parts.items():
            user, _, artist, score = component.recommend(users, model.candidates)
            if len(user) == 0:
                continue
            row = np.searchsorted(users, user)
            top = np.zeros(len(users))
            np.maximum.at(top, row, score)
            listed = np.sort(user * n_artists + artist)
            at = np.minimum(np.searchsorted(listed, wanted), len(listed) - 1)
            member = np.flatnonzero(listed[at] == wanted)
            if len(member) == 0:
                continue
            scale = model.weights[name] / top[rec_row[member]]
            out[member] += scale[:, None] * explain_component(users, rec_row[member], rec_artist[member], own)
        return out

    return explain_block


def _nothing(users, rec_row, rec_artist, own):
    return np.zeros((len(rec_row), own.shape[1]))


def block_explainer(model: object) -> BlockExplainer:
    """The BlockExplainer of a fitted model (module docstring); models whose
    scores owe nothing to the user's artists get one that returns zeros."""

    if isinstance(model, Ease):
        return _ease(model)
    if isinstance(model, ItemKnn):
        return _item_knn(model)
    if isinstance(model, UserKnnCosine):
        return _user_knn_cosine(model)
    if isinstance(model, UserKnn):
        return _user_knn(model)
    if isinstance(model, FactorModel):
        return _als(model)
    if isinstance(model, Hybrid):
        return _hybrid(model)
    return _nothing


def top_reasons(contribution: np.ndarray, artists: np.ndarray, score: np.ndarray,
                max_reasons: int) -> tuple[np.ndarray, ...]:
    """The reasons of n recommendations from their contributions.

    contribution: (n, w) c(i); artists: (n, w) the artist of each column
    (ascending per row, -1 padding, where c must be 0); score: (n,) s.
    Returns (row, reason_rank, artist, contribution, share) for the up to
    ``max_reasons`` largest positive c per row, ties by artist, ordered by
    row then reason_rank; share as in the module docstring.
    """
    n, width = contribution.shape
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0))
    if n == 0 or width == 0:
        return empty
    positive = np.maximum(contribution, 0)
    rest = score - contribution.sum(axis=1, dtype=np.float64)
    total = positive.sum(axis=1, dtype=np.float64) + np.maximum(rest, 0.0)
    k = min(max_reasons, width)
    # the k-th largest value of each row bounds the candidates (ties kept), then an exact sort of those few
    kth = np.partition(positive, width - k, axis=1)[:, width - k]
    row, column = np.nonzero(positive >= np.maximum(kth, np.finfo(positive.dtype).tiny)[:, None])
    value = positive[row, column].astype(np.float64)
    order = np.lexsort((column, -value, row))  # columns are in artist order: ties by artist
    row, column, value = row[order], column[order], value[order]
    starts = np.searchsorted(row, np.arange(n))
    rank = np.arange(len(row)) - starts[row] + 1
    keep = rank <= max_reasons
    row, column, value, rank = row[keep], column[keep], value[keep], rank[keep]
    return row, rank, artists[row, column], value, value / total[row]


def explain_blocks(model: object, recommendations: Recommendations, seen: sp.csr_matrix, *, max_reasons: int = 3,
                   progress: Progress | None = None) -> Iterator[tuple[int, int, Reasons]]:
    """explain, a block of users at a time, in order: (start, end, reasons)
    with [start, end) the block's rows of ``recommendations`` and ``reasons``
    theirs (``recommendation`` counted in the whole list), so that a caller
    can write each block away before the next is made."""
    max_reasons = check_count("max_reasons", max_reasons, 1)
    user, _, artist, score = (np.asarray(part) for part in recommendations)
    seen = sp.csr_matrix(seen)
    seen.sort_indices()
    explainer = block_explainer(model)
    users = np.unique(user)
    bounds = np.searchsorted(user, users[[start for start, _ in even_blocks(len(users), EXPLAIN_BLOCK_USERS)]]) \
        if len(users) else np.empty(0, np.int64)
    blocks = [(int(b), int(e)) for b, e in zip(bounds, list(bounds[1:]) + [len(user)])]

    def work(start: int, end: int) -> tuple[np.ndarray, ...]:
        block_users, rec_row = np.unique(user[start:end], return_inverse=True)
        own = own_artists(seen, block_users)
        contribution = explainer(block_users, rec_row, artist[start:end], own)
        contribution[own[rec_row] < 0] = 0.0
        row, rank, reason, value, share = top_reasons(contribution, own[rec_row], score[start:end], max_reasons)
        return row + start, rank, reason, value, share

    parts = iter_blocks(work, blocks, label="reasons", unit="recommendations", progress=progress)
    for (start, end), part in zip(blocks, parts):
        yield start, end, Reasons(*part)


def explain(model: object, recommendations: Recommendations, seen: sp.csr_matrix, *, max_reasons: int = 3,
            progress: Progress | None = None) -> Reasons:
    """The reasons (module docstring) of ``recommendations`` (user_index,
    rank, artist_index, score, ordered by user then rank) made by the fitted
    ``model``; ``seen``: the plays (n_users, n_artists) CSR the model was fitted
    on, whose rows give each user's artists."""
    parts = [reasons for _, _, reasons in explain_blocks(model, recommendations, seen, max_reasons=max_reasons,
                                                         progress=progress)]
    if not parts:
        return Reasons.empty()
    return Reasons(*(np.concatenate([getattr(part, field.name) for part in parts]) for field in fields(Reasons)))
