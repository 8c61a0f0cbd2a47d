"""What every model implements (after implicit's ``recommender_base``).

A model is a fit function and the fitted object it returns:

    fit(inputs, rng, *, <parameters>, progress=None) -> Recommender
    Recommender.recommend(users, top_n) -> Recommendations

``fit`` learns from ``inputs`` (lastfm_recs.inputs.ScoringInputs, the
training data); ``rng`` is its only source of randomness; its keyword-only
parameters, with their defaults, are what the tuning searches and what var
``model_params`` sets (read by introspection, as scikit-learn reads a
constructor's). ``recommend`` returns, for each user index in ``users``, up
to ``top_n`` artists the user has no plays for, with a positive score, rank
1 = highest score, ties by artist index, ordered by user then rank
(lastfm_recs.ranking.Recommendations). The registry
(lastfm_recs.recommenders) maps each model's name to its fit function.
"""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from lastfm_recs.blocks import Progress
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.ranking import Recommendations


@runtime_checkable
class Recommender(Protocol):
    """A fitted model."""

    def recommend(self, users: np.ndarray, top_n: int) -> Recommendations:
        """The ``top_n`` unplayed artists with a positive score of each user
        index in ``users`` (module docstring)."""
        ...


class Fit(Protocol):
    """A model's fit function (module docstring)."""

    def __call__(self, inputs: ScoringInputs, rng: np.random.Generator, /, *,
                 progress: Progress | None = None, **params: Any) -> Recommender: ...
