"""hybrid: a weighted late fusion of other models' lists::

    L_m(u)    = the top ``candidates`` list of component m (a model name) for u
    s(u, a)   = sum over components m of weights[m] * s_m(u, a) / max over L_m(u) of s_m
                (0 where a is not in L_m(u))

A cold user (no plays) gets the profile_popularity list instead
(lastfm_recs.models.profile_popularity), whatever the weights: the other
models know nothing of them. The components are fitted with their own
parameters by the ``fit_component`` callback the registry passes in; a
component with weight 0 is not fitted.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import Progress, ProgressReporter, even_blocks
from lastfm_recs.checks import check_count, check_number
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.models.base import Recommender
from lastfm_recs.models.profile_popularity import ProfilePopularity
from lastfm_recs.ranking import Recommendations, concat_recommendations, empty_recommendations, top_n_sparse

#: Users blended at a time (each component's lists of a block are in memory).
HYBRID_BLOCK_USERS = 65_536


@dataclass(frozen=True)
class Hybrid:
    """Fitted hybrid: the fitted components with weight > 0 and the prior."""

    components: Mapping[str, Recommender]
    weights: Mapping[str, float]
    prior: ProfilePopularity
    is_cold: np.ndarray
    seen: sp.csr_matrix
    candidates: int
    progress: Progress | None = None

    def _blend(self, users: np.ndarray, top_n: int) -> Recommendations:
        rows, artists, values = [], [], []
        for name, model in self.components.items():
            user, _, artist, score = model.recommend(users, self.candidates)
            if len(user) == 0:
                continue
            row = np.searchsorted(users, user)
            top = np.zeros(len(users))
            np.maximum.at(top, row, score)
            rows.append(row)
            artists.append(artist)
            values.append(self.weights[name] * score / top[row])
        if not rows:
            return empty_recommendations()
        blended = sp.csr_matrix(
            (np.concatenate(values), (np.concatenate(rows), np.concatenate(artists))),
            shape=(len(users), self.seen.shape[1]),
        )  # duplicates (an artist in several lists) are summed
        row, rank, artist, score = top_n_sparse(blended, self.seen[users], top_n)
        return Recommendations(users[row], rank, artist, score)

    def recommend(self, users: np.ndarray, top_n: int) -> Recommendations:
        top_n = check_count("top_n", top_n, 1)
        users = np.unique(np.asarray(users, dtype=np.int64))
        cold = self.is_cold[users]
        report = ProgressReporter(self.progress, "hybrid: blending", len(users))
        parts = []
        warm = users[~cold]
        for start, end in even_blocks(len(warm), HYBRID_BLOCK_USERS):
            parts.append(self._blend(warm[start:end], top_n))
            report.update(end, end / max(len(users), 1))
        parts.append(self.prior.recommend(users[cold], top_n))
        report.finish()
        user, rank, artist, score = concat_recommendations(parts)
        order = np.lexsort((rank, user))
        return Recommendations(user[order], rank[order], artist[order], score[order])


def fit_hybrid(inputs: ScoringInputs, rng: np.random.Generator, *, weights: Mapping[str, float],
               candidates: int = 100, fit_component: Callable[[str], Recommender],
               progress: Progress | None = None) -> Hybrid:
    """hybrid (module docstring). ``weights``: component model name -> weight
    >= 0 (not "hybrid"); ``fit_component(name)`` returns the fitted model of
    that name (the registry's, with that model's parameters). ``rng`` is not
    used (each component draws from its own)."""
    candidates = check_count("candidates", candidates, 1)
    if not isinstance(weights, Mapping) or not weights:
        raise ValueError(f"weights: expected a mapping of model name -> weight, found {weights!r}")
    if "hybrid" in weights:
        raise ValueError("weights: a hybrid cannot blend itself")
    weights = {str(name): check_number(f"weights[{name}]", w, 0.0) for name, w in weights.items()}
    if not any(weights.values()):
        raise ValueError(f"weights: expected at least one weight > 0, found {weights}")
    components = {name: fit_component(name) for name, w in weights.items() if w > 0}
    prior = components.get("profile_popularity") or fit_component("profile_popularity")
    return Hybrid(
        components=components,
        weights=weights,
        prior=prior,  # type: ignore[arg-type]
        is_cold=np.diff(inputs.plays.indptr) == 0,
        seen=inputs.plays,
        candidates=candidates,
        progress=progress,
    )
