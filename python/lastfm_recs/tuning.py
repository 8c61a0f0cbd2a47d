"""The tuning's search: grids of parameters, trials, and the parameters that
a run uses.

A grid is a mapping parameter -> list of values, or a list of such mappings
(their union, in order); its trials are the cartesian product, in the order
of the parameters as written and of their values. Trials are numbered 1, 2,
... per model. Every trial fits its model on the tuning data and recommends
to the validation users; the SQL models score them (eval_tuning) and pick
each model's best trial.

The tuning runs in two stages, one dbt Python model each, both
``run_tuning_stage``: first every model that does not blend others, then
those that do (the hybrid), with the parameters the first stage chose for
their components.
"""
from __future__ import annotations

import itertools
import json
import time
from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa

from lastfm_recs.blocks import Progress
from lastfm_recs.dbt_config import Settings
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.recommenders import blends_others, check_model_names, check_parameters
from lastfm_recs.runner import run_model

Params = Mapping[str, Mapping[str, object]]


def expand_grid(grid: Mapping[str, Sequence] | Sequence[Mapping[str, Sequence]], model: str = "") -> list[dict]:
    """The trials of ``grid`` (module docstring), duplicates dropped."""
    grids = [grid] if isinstance(grid, Mapping) else list(grid)
    trials: list[dict] = []
    for part in grids:
        if not isinstance(part, Mapping):
            raise ValueError(f"tuning_grid.{model}: expected parameter -> list of values, found {part!r}")
        for name, values in part.items():
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
                raise ValueError(f"tuning_grid.{model}.{name}: expected a non-empty list of values, found {values!r}")
        for combination in itertools.product(*part.values()):
            trial = dict(zip(part.keys(), combination))
            if trial not in trials:
                trials.append(trial)
    return trials


def params_json(params: Mapping[str, object]) -> str:
    """The canonical text of a parameter set (sorted keys): eval_tuning.params."""
    return json.dumps(params, sort_keys=True)


def tuning_plan(grids: Mapping[str, object], names: Sequence[str]) -> list[tuple[str, int, dict]]:
    """(model, trial, params) for every trial of the models ``names`` that have a
    grid, checked against the models' parameters before anything runs."""
    check_model_names(grids)
    plan = []
    for name in names:
        if name not in grids:
            continue
        for trial, params in enumerate(expand_grid(grids[name], name), start=1):
            check_parameters(name, params)
            plan.append((name, trial, params))
    return plan


def resolve_params(configured: Params, chosen: Mapping[str, str]) -> dict[str, dict]:
    """The parameters a run uses: the configured ones (model_params), with
    those of the models tuned in this run (model -> params JSON) instead."""
    resolved = {name: dict(params or {}) for name, params in configured.items()}
    for name, text in chosen.items():
        resolved[name] = json.loads(text)
    return resolved


TRIAL_SCHEMA = pa.schema([
    ("model", pa.string()),
    ("trial", pa.int32()),
    ("params", pa.string()),
    ("fit_seconds", pa.float64()),
    ("recommend_seconds", pa.float64()),
    ("user_index", pa.int64()),
    ("rank", pa.int32()),
    ("artist_index", pa.int64()),
    ("score", pa.float64()),
])


def remaining_seconds(models_left: Sequence[str], seconds: Mapping[str, Sequence[float]]) -> float | None:
    """The time the trials of ``models_left`` should take: each at the mean
    of its model's trials so far (``seconds``: model -> trial times), a model
    not tried yet at the mean of all trials; None before any trial. Trials of
    one model differ too (factors, artists): a guide."""
    times = [t for model_times in seconds.values() for t in model_times]
    if not times:
        return None
    overall = sum(times) / len(times)
    return sum(sum(seconds[m]) / len(seconds[m]) if seconds.get(m) else overall for m in models_left)


def run_trials(plan: Sequence[tuple[str, int, dict]], inputs: ScoringInputs, users: np.ndarray, top_n: int,
               seed: int, fixed: Params, progress: Progress | None = None, cache: dict | None = None) -> pa.Table:
    """Run every trial of ``plan`` (model with ``fixed`` parameters for the
    other models, e.g. a hybrid's components) on ``inputs`` for ``users``:
    one row per recommendation (TRIAL_SCHEMA). A trial that recommends
    nothing at all raises ValueError, so no trial goes missing from the
    table unnoticed."""
    tables = [TRIAL_SCHEMA.empty_table()]
    started = time.perf_counter()
    seconds: dict[str, list[float]] = {}
    for number, (name, trial, params) in enumerate(plan, start=1):
        if progress:
            elapsed = time.perf_counter() - started
            left = remaining_seconds([model for model, _, _ in plan[number - 1:]], seconds)
            left = f", ~{left:.0f} s remaining" if left is not None else ""
            progress(f"tuning: trial {number}/{len(plan)}: {name} #{trial} {params_json(params)} "
                     f"({elapsed:.0f} s elapsed{left})")
        trial_started = time.perf_counter()
        run = run_model(name, inputs, users, top_n, seed, {**fixed, name: params}, progress, cache)
        seconds.setdefault(name, []).append(time.perf_counter() - trial_started)
        user, rank, artist, score = run.recommendations
        if len(user) == 0:
            raise ValueError(
                f"tuning: {name} trial {trial} {params_json(params)} recommended nothing to any of the "
                f"{len(users):,} validation users; check its parameters in var tuning_grid"
            )
        n = len(user)
        tables.append(pa.table({
            "model": pa.array([name] * n, pa.string()),
            "trial": pa.array(np.full(n, trial), pa.int32()),
            "params": pa.array([params_json(params)] * n, pa.string()),
            "fit_seconds": pa.array(np.full(n, run.fit_seconds)),
            "recommend_seconds": pa.array(np.full(n, run.recommend_seconds)),
            "user_index": pa.array(user, pa.int64()),
            "rank": pa.array(rank, pa.int32()),
            "artist_index": pa.array(artist, pa.int64()),
            "score": pa.array(score, pa.float64()),
        }, schema=TRIAL_SCHEMA))
    return pa.concat_tables(tables)


def run_tuning_stage(settings: Settings, inputs: ScoringInputs, users: np.ndarray, *, blends: bool,
                     chosen: Mapping[str, str], progress: Progress | None = None) -> pa.Table:
    """One stage of the tuning (module docstring): every trial of
    ``settings.tuning_grid`` for the models of ``settings.eval_models`` that
    blend others (``blends``) or do not, fitted on ``inputs`` and scored for
    ``users`` (run_trials). The other models take ``settings.model_params``,
    or the parameters of ``chosen`` (model -> params JSON, the first stage's
    choice). In the blends' stage each component is fitted once for all
    the blends; in the first the fits are not kept (memory)."""
    names = [name for name in settings.eval_models if blends_others(name) == blends]
    return run_trials(
        tuning_plan(settings.tuning_grid, names),
        inputs,
        users,
        top_n=settings.require("eval_top_n"),
        seed=settings.require("eval_seed"),
        fixed=resolve_params(settings.model_params, chosen),
        progress=progress,
        cache={} if blends else None,
    )
