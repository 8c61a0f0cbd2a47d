"""The registry of the models: name -> fit function, and what it takes.

Each model lives in its own module of lastfm_recs.models and keeps the
contract of lastfm_recs.models.base: a fit function

    fit(inputs: ScoringInputs, rng: np.random.Generator, *, <parameters>,
        progress=None) -> Recommender

whose keyword parameters, with their defaults, are what the tuning searches
and what ``model_params`` sets, and a fitted model whose ``recommend(users,
top_n)`` returns Recommendations (lastfm_recs.ranking). The run loop (fit,
recommend, time) is lastfm_recs.runner.

| name | model (module in lastfm_recs.models) |
| --- | --- |
| popularity | most listeners first (popularity) |
| random | uniformly random artists with a listener, seeded (random) |
| user_knn | the seed's user-user kNN, exact (user_knn) |
| user_knn_plays_only | user_knn without age and country (user_knn) |
| profile_popularity | popular in the user's country and age band (profile_popularity) |
| item_knn | item-item cosine kNN on weighted plays (item_knn) |
| user_knn_cosine | user-user cosine kNN, profile as a weighted term (user_knn_cosine) |
| als | implicit-feedback matrix factorisation (als) |
| ease | EASE on the most listened artists and the profile, popularity for the rest (ease) |
| hybrid | weighted blend of other models, profile prior for cold users (hybrid) |
| rp3beta | item-item random walk with a popularity penalty (rp3beta) |
| ials | iALS with frequency-scaled regularization, Rendle et al. 2021 (ials) |
| ease_budget | ease on as many artists as a memory budget holds (ease_budget) |
| als_mllib | Spark MLlib's ALS, implicit preferences (als_mllib; needs pyspark) |
| mult_vae | variational autoencoder, multinomial likelihood, Liang et al. 2018 (mult_vae) |

A fitter that takes ``fit_component`` (the hybrid) gets a callback that fits
other models of the registry by name, with their own parameters.
"""
from __future__ import annotations

import inspect
import json
import zlib
from collections.abc import Iterable, Mapping

import numpy as np

from lastfm_recs.blocks import Progress
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.models.als import fit_als
from lastfm_recs.models.als_mllib import fit_als_mllib
from lastfm_recs.models.base import Fit, Recommender
from lastfm_recs.models.ease import fit_ease
from lastfm_recs.models.ease_budget import fit_ease_budget
from lastfm_recs.models.hybrid import fit_hybrid
from lastfm_recs.models.ials import fit_ials
from lastfm_recs.models.item_knn import fit_item_knn
from lastfm_recs.models.mult_vae import fit_mult_vae
from lastfm_recs.models.popularity import fit_popularity
from lastfm_recs.models.profile_popularity import fit_profile_popularity
from lastfm_recs.models.random import fit_random
from lastfm_recs.models.rp3beta import fit_rp3beta
from lastfm_recs.models.user_knn import fit_user_knn, fit_user_knn_plays_only
from lastfm_recs.models.user_knn_cosine import fit_user_knn_cosine

FITTERS: dict[str, Fit] = {
    "popularity": fit_popularity,
    "random": fit_random,
    "user_knn": fit_user_knn,
    "user_knn_plays_only": fit_user_knn_plays_only,
    "profile_popularity": fit_profile_popularity,
    "item_knn": fit_item_knn,
    "user_knn_cosine": fit_user_knn_cosine,
    "als": fit_als,
    "als_mllib": fit_als_mllib,
    "ease": fit_ease,
    "hybrid": fit_hybrid,
    "rp3beta": fit_rp3beta,
    "ials": fit_ials,
    "ease_budget": fit_ease_budget,
    "mult_vae": fit_mult_vae,
}

#: Keyword arguments the registry supplies itself (not model parameters).
_SUPPLIED = {"progress", "fit_component"}


def parameters(name: str) -> dict[str, object]:
    """The tunable parameters of model ``name`` with their defaults (None =
    required, e.g. the hybrid's weights)."""
    check_model_names([name])
    signature = inspect.signature(FITTERS[name])
    return {
        p.name: (None if p.default is inspect.Parameter.empty else p.default)
        for p in signature.parameters.values()
        if p.kind == inspect.Parameter.KEYWORD_ONLY and p.name not in _SUPPLIED
    }


def check_model_names(names: Iterable[str]) -> list[str]:
    """``names`` as a list; ValueError naming the unknown ones and the known ones."""
    names = list(names)
    unknown = [n for n in names if n not in FITTERS]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; expected names from {sorted(FITTERS)}")
    return names


def check_parameters(name: str, params: Mapping[str, object]) -> None:
    """ValueError when ``params`` holds a key model ``name`` does not take."""
    accepted = parameters(name)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ValueError(
            f"model {name}: unknown parameter(s) {unknown}; it takes {sorted(accepted) or 'none'}"
        )


def blends_others(name: str) -> bool:
    """True for a model whose fitter takes ``fit_component`` (the hybrid):
    it is tuned after the models it blends."""
    check_model_names([name])
    return "fit_component" in inspect.signature(FITTERS[name]).parameters


def model_rng(seed: int, name: str) -> np.random.Generator:
    """The Generator of one model in one run: a function of the seed and the
    model's name only, so adding or reordering models changes nothing else."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode("utf-8"))])


def fit_model(name: str, inputs: ScoringInputs, seed: int, params: Mapping[str, Mapping[str, object]],
              progress: Progress | None = None, cache: dict | None = None) -> Recommender:
    """Fit model ``name`` on ``inputs`` with ``params[name]`` (missing keys
    take the defaults; ``params`` maps model names to their parameters, so
    that a hybrid finds its components' too), seeded by ``model_rng(seed,
    name)``. A ``cache`` dict reuses fits of the same name and parameters."""
    check_model_names([name])
    own = dict(params.get(name) or {})
    check_parameters(name, own)
    missing = [p for p, default in parameters(name).items() if default is None and p not in own]
    if missing:
        raise ValueError(f"model {name}: parameter(s) {missing} required (model_params.{name} in dbt_project.yml)")
    key = (name, json.dumps(own, sort_keys=True, default=str))
    if cache is not None and key in cache:
        return cache[key]
    kwargs = dict(own)
    if blends_others(name):
        kwargs["fit_component"] = lambda component: fit_model(component, inputs, seed, params, progress, cache)
    if progress:
        progress(f"{name}: fitting with {json.dumps(own, sort_keys=True, default=str)}")
    model = FITTERS[name](inputs, model_rng(seed, name), progress=progress, **kwargs)
    if cache is not None:
        cache[key] = model
    return model
