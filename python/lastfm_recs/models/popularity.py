"""popularity: the most listened artists first, the same list for everyone::

    s(u, a)   = listeners(a) / n_users

over the artists with at least one listener that u has not played, ties by
artist index.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import Progress
from lastfm_recs.checks import check_count
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.ranking import QUERY_BLOCK_USERS, Recommendations, concat_recommendations, first_unseen, max_seen
from lastfm_recs.weighting import listeners


@dataclass(frozen=True)
class Popularity:
    """score(u, a) = listeners(a) / n_users, the same for every user, over the
    artists with at least one listener that u has not played; ties by index."""

    seen: sp.csr_matrix
    count: np.ndarray

    def recommend(self, users: np.ndarray, top_n: int) -> Recommendations:
        top_n = check_count("top_n", top_n, 1)
        users = np.unique(np.asarray(users, dtype=np.int64))
        order = np.lexsort((np.arange(len(self.count)), -self.count))
        order = order[self.count[order] > 0]
        score = self.count / max(self.seen.shape[0], 1)
        parts = []
        for start in range(0, len(users), QUERY_BLOCK_USERS):
            block = users[start:start + QUERY_BLOCK_USERS]
            width = min(len(order), top_n + max_seen(self.seen, block))
            candidates = np.broadcast_to(order[:width], (len(block), width))
            row, rank, _, artist = first_unseen(block, candidates, self.seen, top_n)
            parts.append((block[row], rank, artist, score[artist]))
        return concat_recommendations(parts)


def fit_popularity(inputs: ScoringInputs, rng: np.random.Generator, *, progress: Progress | None = None) -> Popularity:
    """Most listeners first (Popularity); ``rng`` is not used."""
    return Popularity(seen=inputs.plays, count=listeners(inputs.plays))
