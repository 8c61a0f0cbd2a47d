"""item_knn: item-item kNN on cosine similarity of weighted plays
(Deshpande & Karypis 2004).

With w(u, a) the weighted plays (lastfm_recs.weighting) and cos the cosine
similarity of two columns (artists) of w::

    S(i, j)   = cos(w(., i), w(., j)) for the ``neighbors`` artists j != i most
                similar to i (positive similarity, ties by index), else 0
    s(u, a)   = sum over the user's artists i of w(u, i) * S(i, a)

Recommends each user's ``top_n`` unplayed artists with s > 0, ties by artist
index. A cold user (no plays) has no similar items and gets no
recommendations; the hybrid serves cold users from its profile prior.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import Progress
from lastfm_recs.checks import check_choice, check_count
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.ranking import Recommendations
from lastfm_recs.similarity import l2_normalise_rows, recommend_in_blocks, top_k_similar
from lastfm_recs.weighting import WEIGHTINGS, weight_plays


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
        return recommend_in_blocks(users, top_n, self.weighted,
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
