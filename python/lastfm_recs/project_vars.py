"""Every dbt var of the project checked before any model runs, in one place.

`dbt build` calls check_project_vars (through the SQL function
lastfm_check_vars that lastfm_recs.dbt_plugin registers) from on-run-start
(macros/validate_vars.sql), so a bad value fails the build at once with the
var's name, what was expected and what was found, instead of deep inside a
model after minutes of work, and no value reaches SQL unchecked.

The rules on the models' names and parameters are not repeated here: the
model registry checks the names and parameter names (recommenders,
tuning), and each model's fitter checks its parameter values; this module
fits the configured models on a tiny data set, so those same checks run
up front.
"""
from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from lastfm_recs.dbt_config import configured_params
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.recommenders import check_model_names, fit_model
from lastfm_recs.tuning import tuning_plan

#: Upper bound of top_n and of every evaluation cut-off: at full size (359,347
#: users) 1,000 rows per user are already 359 million recommendations.
MAX_TOP_N = 1000
#: Upper bound of var neighbors: the exact kNN keeps a (users x neighbors)
#: block of distances per query block.
MAX_NEIGHBORS = 10000
#: Longest accepted seed text (a seed is hashed, so longer adds nothing).
MAX_SEED_CHARS = 100
#: The metrics the tuning can rank trials by (columns of eval_tuning).
TUNING_METRICS = ("precision", "recall", "ndcg", "map", "hit_rate")
#: Upper bound of the reasons per recommendation and of the artist-artist
#: weights kept per artist (each is a row per recommendation / artist).
MAX_REASONS = 20
MAX_ARTIST_WEIGHTS = 10000


class VarError(ValueError):
    """A dbt var with a value the project cannot use."""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _integer(name: str, value: Any, low: int, high: float = math.inf) -> int:
    if not _is_int(value) or not low <= value <= high:
        bounds = f"[{low}, {high}]" if high != math.inf else f">= {low}"
        raise VarError(f"var {name}: expected an integer {bounds}, found {value!r}")
    return value


def _optional_integer(name: str, value: Any, low: int) -> int | None:
    if value is None:
        return None
    if not _is_int(value) or value < low:
        raise VarError(f"var {name}: expected an integer >= {low} or null (no limit), found {value!r}")
    return value


def _share(name: str, value: Any, low: float, high: float, low_open: bool, high_open: bool) -> float:
    """A number in the interval written with ( ) for open and [ ] for closed ends."""
    interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    if not ok:
        hint = ""
        if isinstance(value, str):
            try:
                hint = f" (text: YAML reads {value} as text, write it with a decimal point, e.g. {float(value):f})"
            except ValueError:
                pass
        raise VarError(f"var {name}: expected a number in {interval}, found {value!r}{hint}")
    return float(value)


def _seed(name: str, value: Any) -> int | str:
    """A seed: an integer, or a short text without control characters (it is
    hashed with md5 in SQL, always as an escaped string literal)."""
    if _is_int(value):
        return value
    if isinstance(value, str) and len(value) <= MAX_SEED_CHARS and value.isprintable():
        return value
    raise VarError(
        f"var {name}: expected an integer or a printable text of at most {MAX_SEED_CHARS} characters, "
        f"found {value!r}"
    )


def _names(name: str, value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, list) or not value:
        raise VarError(f"var {name}: expected a non-empty list of model names, found {value!r}")
    try:
        return check_model_names(value)
    except ValueError as error:
        raise VarError(f"var {name}: {error}") from None


def tiny_inputs() -> ScoringInputs:
    """Four users (one cold) and four artists: enough for every fitter to run
    its parameter checks in milliseconds."""
    plays = np.array([[3.0, 1.0, 0.0, 0.0], [0.0, 2.0, 5.0, 0.0], [1.0, 0.0, 0.0, 4.0], [0.0, 0.0, 0.0, 0.0]])
    totals = plays.sum(axis=1, keepdims=True)
    share = np.divide(plays, totals, out=np.zeros_like(plays), where=totals > 0)
    return ScoringInputs(
        plays_share=sp.csr_matrix(share),
        plays=sp.csr_matrix(plays),
        cold_baseline=plays.sum(axis=0) / plays.sum(),
        age_scaled=np.array([0.0, 0.5, 1.0, 0.5]),
        country_index=np.array([0, 1, -1, 0]),
        age_band_index=np.array([0, 1, 1, 0]),
    )


def check_model_params(model: Any, model_params: Any, neighbors: int) -> None:
    """var model and var model_params: the model is known, and it and every
    model with parameters fits (with the fitters' own checks) on tiny_inputs."""
    if not isinstance(model, str):
        raise VarError(f"var model: expected a model name, found {model!r}")
    try:
        check_model_names([model])
    except ValueError as error:
        raise VarError(f"var model: {error}") from None
    if model_params is None:
        model_params = {}
    if not isinstance(model_params, Mapping):
        raise VarError(f"var model_params: expected model name -> parameters, found {model_params!r}")
    try:
        params = configured_params(dict(model_params), neighbors)
        check_model_names(model_params)
    except ValueError as error:
        raise VarError(f"var model_params: {error}") from None
    problem = _fit_problem(json.dumps([model, *model_params]), json.dumps(params, sort_keys=True))
    if problem:
        name, message = problem
        which = "var model_params" if name in model_params else "var model"
        # the registry's own errors already name the model
        prefix = "" if message.startswith(f"model {name}") else f"model {name}: "
        raise VarError(f"{which}: {prefix}{message}")


@functools.lru_cache(maxsize=64)
def _fit_problem(names_json: str, params_json: str) -> tuple[str, str] | None:
    """(model, error) of the first model of ``names_json`` that does not fit
    tiny_inputs with ``params_json``, else None (cached: the same vars are
    checked once per process)."""
    params = json.loads(params_json)
    for name in dict.fromkeys(json.loads(names_json)):
        try:
            fit_model(name, tiny_inputs(), 0, params)
        except (TypeError, ValueError) as error:
            return name, str(error)
    return None


def check_project_vars(values: Mapping[str, Any]) -> None:
    """Raise VarError, naming the var, for the first value of ``values`` (var
    name -> value, every var of dbt_project.yml) the project cannot use."""
    gender = values.get("gender")
    if gender not in (None, "m", "f"):
        raise VarError(f"var gender: expected 'm', 'f' or null (all users), found {gender!r}")
    _share("sample_fraction", values.get("sample_fraction"), 0, 1, low_open=True, high_open=False)
    _seed("sample_seed", values.get("sample_seed"))
    neighbors = _integer("neighbors", values.get("neighbors"), 1, MAX_NEIGHBORS)
    _integer("top_n", values.get("top_n"), 1, MAX_TOP_N)
    _share("max_reject_share", values.get("max_reject_share"), 0, 1, low_open=False, high_open=False)
    _integer("reasons_per_recommendation", values.get("reasons_per_recommendation"), 1, MAX_REASONS)
    top_k = _integer("artist_weights_top_k", values.get("artist_weights_top_k"), 1, MAX_ARTIST_WEIGHTS)
    _integer("similar_artists_top_n", values.get("similar_artists_top_n"), 1, top_k)
    _integer("similar_artists_min_listeners", values.get("similar_artists_min_listeners"), 1)
    check_model_params(values.get("model"), values.get("model_params"), neighbors)

    if not isinstance(values.get("evaluate"), bool):
        raise VarError(f"var evaluate: expected true or false, found {values.get('evaluate')!r}")
    _seed("eval_seed", values.get("eval_seed"))
    _share("eval_holdout_fraction", values.get("eval_holdout_fraction"), 0, 1, low_open=True, high_open=True)
    # one artist to hold out and one to train on
    _integer("eval_min_artists", values.get("eval_min_artists"), 2)
    _optional_integer("eval_max_users", values.get("eval_max_users"), 1)
    _optional_integer("eval_tuning_max_users", values.get("eval_tuning_max_users"), 1)
    _integer("eval_top_countries", values.get("eval_top_countries"), 1)
    _integer("eval_bootstrap_replicates", values.get("eval_bootstrap_replicates"), 1, 100_000)
    _optional_integer("eval_tuning_fit_users", values.get("eval_tuning_fit_users"), 0)
    eval_k = values.get("eval_k")
    if not isinstance(eval_k, list) or not eval_k:
        raise VarError(f"var eval_k: expected a non-empty list of integers in [1, {MAX_TOP_N}], found {eval_k!r}")
    for k in eval_k:
        _integer("eval_k", k, 1, MAX_TOP_N)
    eval_models = _names("eval_models", values.get("eval_models"))
    grid = values.get("tuning_grid")
    if not isinstance(grid, Mapping):
        raise VarError(f"var tuning_grid: expected model name -> grid, found {grid!r}")
    try:
        tuning_plan(grid, eval_models)
    except ValueError as error:
        raise VarError(f"var tuning_grid: {error}") from None
    metric = values.get("tuning_metric")
    if metric not in TUNING_METRICS:
        raise VarError(f"var tuning_metric: expected one of {', '.join(TUNING_METRICS)}, found {metric!r}")
    if values.get("tuning_k") not in eval_k or not _is_int(values.get("tuning_k")):
        raise VarError(f"var tuning_k: expected one of the cut-offs of var eval_k {eval_k}, found "
                       f"{values.get('tuning_k')!r}")


def check_project_vars_json(text: str) -> bool:
    """check_project_vars on the vars as JSON (what on-run-start passes); True when they pass."""
    check_project_vars(json.loads(text))
    return True
