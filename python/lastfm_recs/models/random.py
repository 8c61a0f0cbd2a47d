"""random: uniformly random artists with a listener, seeded.

Each user draws a uniform score in (0, 1] for every artist with at least one
listener and gets the ``top_n`` highest-scored artists it has not played.
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
class Random:
    """Each user draws a uniform score in (0, 1] for every artist with at
    least one listener and gets the ``top_n`` highest-scored artists it has
    not played (drawn as a random sample without replacement of the
    catalogue, given scores sorted in descending order)."""

    seen: sp.csr_matrix
    catalogue: np.ndarray
    rng: np.random.Generator

    def recommend(self, users: np.ndarray, top_n: int) -> Recommendations:
        top_n = check_count("top_n", top_n, 1)
        users = np.unique(np.asarray(users, dtype=np.int64))
        parts = []
        for start in range(0, len(users), QUERY_BLOCK_USERS):
            block = users[start:start + QUERY_BLOCK_USERS]
            width = min(len(self.catalogue), top_n + max_seen(self.seen, block))
            if width == 0:
                continue
            drawn = np.stack([self.rng.choice(len(self.catalogue), size=width, replace=False) for _ in block])
            scores = -np.sort(-(1.0 - self.rng.random((len(block), width))), axis=1)
            row, rank, column, artist = first_unseen(block, self.catalogue[drawn], self.seen, top_n)
            parts.append((block[row], rank, artist, scores[row, column]))
        return concat_recommendations(parts)


def fit_random(inputs: ScoringInputs, rng: np.random.Generator, *, progress: Progress | None = None) -> Random:
    """Uniformly random unplayed artists with a listener (Random), from ``rng``."""
    return Random(seen=inputs.plays, catalogue=np.flatnonzero(listeners(inputs.plays) > 0), rng=rng)
