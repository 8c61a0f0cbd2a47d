"""The recommenders, behind one registry.

Every entry of ``FITTERS`` is a function

    fit(inputs: ScoringInputs, rng: np.random.Generator, *, <parameters>,
        progress=None) -> model

that fits a model on ``inputs`` (the training data); ``model.recommend(users,
top_n)`` returns, for each user index in ``users``, up to ``top_n`` artists
the user has no plays for, with a positive score, rank 1 = highest score,
ties broken by artist index (MBID order), as (user_index, rank,
artist_index, score) ordered by user then rank (lastfm_recs.ranking). ``rng``
is the model's only source of randomness. The keyword parameters, with their
defaults, are what the tuning searches and what ``model_params`` sets.

| name | model |
| --- | --- |
| popularity | most listeners first |
| random | uniformly random artists with a listener (seeded) |
| user_knn | the seed's user-user kNN, SPEC 2 (lastfm_recs.knn) |
| user_knn_plays_only | user_knn without age and country |
| profile_popularity | popular in the user's country and age band (lastfm_recs.hybrid) |
| item_knn | item-item cosine kNN on weighted plays (lastfm_recs.cosine_knn) |
| user_knn_cosine | user-user cosine kNN, profile as a weighted term (lastfm_recs.cosine_knn) |
| als | implicit-feedback matrix factorisation (lastfm_recs.factorization) |
| ease | EASE on the most listened artists and the profile (country, age band), popularity for the rest (lastfm_recs.factorization) |
| hybrid | weighted blend of other models, profile prior for cold users (lastfm_recs.hybrid) |
| rp3beta | item-item random walk with a popularity penalty (lastfm_recs.models.rp3beta) |
| ials | iALS with frequency-scaled regularization, Rendle et al. 2021 (lastfm_recs.models.ials) |
| ease_budget | ease on as many artists as a memory budget holds (lastfm_recs.models.ease_budget) |

A fitter that takes ``fit_component`` (the hybrid) gets a callback that fits
other models of the registry by name, with their own parameters.
"""
from __future__ import annotations

import inspect
import json
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import Progress
from lastfm_recs.checks import check_count
from lastfm_recs.cosine_knn import fit_item_knn, fit_user_knn_cosine
from lastfm_recs.factorization import fit_als, fit_ease
from lastfm_recs.hybrid import fit_hybrid, fit_profile_popularity
from lastfm_recs.knn import recommend_user_knn
from lastfm_recs.models.ease_budget import fit_ease_budget
from lastfm_recs.models.ials import fit_ials
from lastfm_recs.models.rp3beta import fit_rp3beta
from lastfm_recs.ranking import Recommendations, concat_recommendations, empty_recommendations, first_unseen
from lastfm_recs.warehouse_io import ScoringInputs
from lastfm_recs.weighting import listeners

# Query users handled at once by the vectorised top-n selection.
_BLOCK_USERS = 8192


def _max_seen(seen: sp.csr_matrix, users: np.ndarray) -> int:
    counts = np.diff(seen.indptr)[users]
    return int(counts.max()) if len(counts) else 0


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
        for start in range(0, len(users), _BLOCK_USERS):
            block = users[start:start + _BLOCK_USERS]
            width = min(len(order), top_n + _max_seen(self.seen, block))
            candidates = np.broadcast_to(order[:width], (len(block), width))
            row, rank, _, artist = first_unseen(block, candidates, self.seen, top_n)
            parts.append((block[row], rank, artist, score[artist]))
        return concat_recommendations(parts)


def fit_popularity(inputs: ScoringInputs, rng: np.random.Generator, *, progress: Progress | None = None) -> Popularity:
    """Most listeners first (Popularity); ``rng`` is not used."""
    return Popularity(seen=inputs.plays, count=listeners(inputs.plays))


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
        for start in range(0, len(users), _BLOCK_USERS):
            block = users[start:start + _BLOCK_USERS]
            width = min(len(self.catalogue), top_n + _max_seen(self.seen, block))
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


@dataclass(frozen=True)
class UserKnn:
    """The seed's user-user kNN as SPEC 2 specifies it (lastfm_recs.knn), on
    [normalised plays, scaled age, country one-hot]. It scores every user in
    one pass (the weights need the global max_d) and keeps the users asked."""

    inputs: ScoringInputs
    age_scaled: np.ndarray
    country_index: np.ndarray
    neighbors: int
    progress: Progress | None = None

    def recommend(self, users: np.ndarray, top_n: int) -> Recommendations:
        user_index, rank, artist_index, score = recommend_user_knn(
            self.inputs.plays_share,
            self.inputs.cold_baseline,
            self.age_scaled,
            self.country_index,
            neighbors=self.neighbors,
            top_n=top_n,
            progress=self.progress,
        )
        keep = np.isin(user_index, np.asarray(users, dtype=np.int64))
        return user_index[keep], rank[keep], artist_index[keep], score[keep]


def fit_user_knn(inputs: ScoringInputs, rng: np.random.Generator, *, neighbors: int = 99,
                 progress: Progress | None = None) -> UserKnn:
    """The seed's model (UserKnn); ``neighbors`` is the SPEC's var. ``rng`` is not used."""
    return UserKnn(inputs, inputs.age_scaled, inputs.country_index, neighbors, progress)


def fit_user_knn_plays_only(inputs: ScoringInputs, rng: np.random.Generator, *, neighbors: int = 99,
                            progress: Progress | None = None) -> UserKnn:
    """user_knn without the profile features: every scaled age 0 and every
    country empty, so the distance is on normalised plays alone."""
    n_users = inputs.plays.shape[0]
    return UserKnn(inputs, np.zeros(n_users), np.full(n_users, -1, np.int64), neighbors, progress)


FITTERS: dict[str, Callable[..., object]] = {
    "popularity": fit_popularity,
    "random": fit_random,
    "user_knn": fit_user_knn,
    "user_knn_plays_only": fit_user_knn_plays_only,
    "profile_popularity": fit_profile_popularity,
    "item_knn": fit_item_knn,
    "user_knn_cosine": fit_user_knn_cosine,
    "als": fit_als,
    "ease": fit_ease,
    "hybrid": fit_hybrid,
    "rp3beta": fit_rp3beta,
    "ials": fit_ials,
    "ease_budget": fit_ease_budget,
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
              progress: Progress | None = None, cache: dict | None = None):
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
    recommendations = model.recommend(users, top_n) if len(users) else empty_recommendations()
    done = time.perf_counter()
    if progress:
        progress(f"{name}: {len(recommendations[0]):,} recommendations for {len(users):,} users "
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
