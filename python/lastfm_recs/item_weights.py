"""The item-item weights of a fitted model: "fans also like" and the fold-in
of a new listener.

For the item-based models a user's score is a sum over the artists played,

    s(u, a)   = sum over i of w(u, i) W(i, a)

with W = B (ease, over the head H of most listened artists) or S (item_knn,
the ``neighbors`` most similar artists by cosine). So row i of W says which
artists a listener of i gets, and how much: ``artist_weights`` keeps the
``top_k`` largest positive W(i, j), j != i, per artist i (ties by index).

- similar artists of i: the first ranks of its row;
- fold-in of a new listener who names the artists X (no play counts, so
  w = 1): s(a) = sum over i in X of W(i, a), a not in X; exact for ease with
  binary weights and for item_knn up to the ``top_k`` cut (ease's B is dense:
  its small and negative weights past the cut are left out).

Other models (user-user, factor, popularity, the hybrid) have no such
weights: ``artist_weights`` returns None for them.

The weights come from the model fitted for the recommendations, never a
second fit: the dbt model that fits it (int_recommendations_scored) hands
them to the one that writes them (int_artist_weights) through ``handoff`` /
``take``, within one dbt process, under a token that the first writes into
its table, so the second finds exactly that fit's weights (or refits when
it runs alone).
"""
from __future__ import annotations

import threading

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import even_blocks, map_blocks
from lastfm_recs.checks import check_count
from lastfm_recs.models.ease import Ease
from lastfm_recs.models.item_knn import ItemKnn
from lastfm_recs.ranking import top_n_dense, top_n_sparse

#: Artists (rows of W) per block when the ease weights are ranked.
WEIGHT_BLOCK_ARTISTS = 1024

#: (artist_index, rank, neighbour_index, weight), ordered by artist then rank.
ArtistWeights = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _ease_weights(model: Ease, top_k: int) -> ArtistWeights:
    head = model.head
    n = len(head)

    def work(start: int, end: int):
        rows = np.hstack([chunk[start:end] for chunk in model.weight_chunks])  # B(i, .) over H, float32
        own = sp.csr_matrix((np.ones(end - start), (np.arange(end - start), np.arange(start, end))),
                            shape=(end - start, n))
        row, rank, column, weight = top_n_dense(rows, own, top_n=min(top_k, n))
        return head[row + start], rank, head[column], weight

    parts = map_blocks(work, even_blocks(n, WEIGHT_BLOCK_ARTISTS))
    if not parts:
        return tuple(np.empty(0, dtype) for dtype in (np.int64, np.int64, np.int64, np.float64))  # type: ignore
    return tuple(np.concatenate([part[i] for part in parts]) for i in range(4))  # type: ignore[return-value]


def _item_knn_weights(model: ItemKnn, top_k: int) -> ArtistWeights:
    similar = sp.csr_matrix(model.similar)
    own = sp.csr_matrix((np.ones(similar.shape[0]), (np.arange(similar.shape[0]), np.arange(similar.shape[0]))),
                        shape=similar.shape)
    row, rank, column, weight = top_n_sparse(similar, own, top_k)
    return row.astype(np.int64), rank, column, weight


def artist_weights(model: object, top_k: int) -> ArtistWeights | None:
    """The ``top_k`` largest positive W(i, j), j != i, of each artist i of a
    fitted ease or item_knn (module docstring), ties by index; None for a
    model without item-item weights."""
    top_k = check_count("top_k", top_k, 1)
    if isinstance(model, Ease):
        return _ease_weights(model, top_k)
    if isinstance(model, ItemKnn):
        return _item_knn_weights(model, top_k)
    return None


_handed: dict[str, object] = {}
_lock = threading.Lock()


def handoff(token: str, value: object) -> None:
    """Keep ``value`` for the one ``take(token)`` of a later dbt model in this
    process (module docstring)."""
    with _lock:
        _handed.clear()  # one fit per dbt run: an older one is never needed again
        _handed[token] = value


def take(token: str) -> tuple[bool, object]:
    """(True, value) handed off under ``token`` (and forget it), else (False, None)."""
    with _lock:
        if token in _handed:
            return True, _handed.pop(token)
    return False, None
