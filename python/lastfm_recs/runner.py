"""The run loop: fit models of the registry by name and recommend, timing
both steps (what the dbt Python models and the tuning call)."""
from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from lastfm_recs.blocks import Progress
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.ranking import Recommendations, empty_recommendations
from lastfm_recs.recommenders import check_model_names, check_parameters, fit_model


@dataclass(frozen=True)
class Run:
    """One model's lists and how long it took: fitting, then recommending."""

    recommendations: Recommendations
    fit_seconds: float
    recommend_seconds: float


def run_model(name: str, inputs: ScoringInputs, users: np.ndarray, top_n: int, seed: int,
              params: Mapping[str, Mapping[str, object]], progress: Progress | None = None,
              cache: dict | None = None) -> Run:
    """Fit model ``name`` (fit_model) and recommend ``top_n`` artists to each
    of ``users``, timing both steps."""
    users = np.unique(np.asarray(users, dtype=np.int64))
    start = time.perf_counter()
    model = fit_model(name, inputs, seed, params, progress, cache)
    fitted = time.perf_counter()
    # Recommendations(*...) also names the lists of a model that returns a plain 4-tuple
    recommendations = Recommendations(*model.recommend(users, top_n)) if len(users) else empty_recommendations()
    done = time.perf_counter()
    if progress:
        progress(f"{name}: {len(recommendations.user_index):,} recommendations for {len(users):,} users "
                 f"(fit {fitted - start:.1f} s, recommend {done - fitted:.1f} s)")
    return Run(recommendations, fitted - start, done - fitted)


def recommend_with(names: Iterable[str], inputs: ScoringInputs, users: np.ndarray, top_n: int, seed: int,
                   params: Mapping[str, Mapping[str, object]] | None = None,
                   progress: Progress | None = None) -> dict[str, Run]:
    """run_model for each named model (unknown names raise ValueError listing
    the known ones before anything is fitted): name -> Run."""
    names = check_model_names(names)
    params = params or {}
    for name in names:
        check_parameters(name, params.get(name) or {})
    return {name: run_model(name, inputs, users, top_n, seed, params, progress) for name in names}
