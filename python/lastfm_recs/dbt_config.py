"""The dbt config of the project's Python models, read one way.

Every dbt Python model (models/**/*.py) has one config key, ``settings``: a
JSON object that its YAML writes from the project vars with ``tojson``, e.g.

    config:
      settings: "{{ tojson({'model': var('model'), 'top_n': var('top_n')}) }}"

and reads it with ``read_settings(dbt.config.get("settings"))``. JSON keeps
the vars' types (numbers, lists, mappings), so no model parses strings of
its own. (dbt hands a Python model only the config keys its file names
literally in ``dbt.config.get`` calls, hence the one key read in the model
file, not here.)
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The seed's models, whose neighbour count is var ``neighbors``.
SEED_MODELS = ("user_knn", "user_knn_plays_only")


def configured_params(model_params: Mapping[str, Any] | None, neighbors: int) -> dict[str, dict]:
    """The models' parameters set in the project: var model_params (model
    name -> parameters), with var ``neighbors`` as the neighbour count of the
    seed's models (user_knn, user_knn_plays_only)."""
    params = {} if model_params is None else model_params
    if not isinstance(params, Mapping) or not all(isinstance(v, Mapping) for v in params.values()):
        raise ValueError(f"var model_params: expected model name -> parameters, found {model_params!r}")
    out = {str(name): dict(values) for name, values in params.items()}
    for seed_model in SEED_MODELS:
        out[seed_model] = {**out.get(seed_model, {}), "neighbors": int(neighbors)}
    return out


@dataclass(frozen=True)
class Settings:
    """The vars a Python model was given (None / empty: not given to it).

    model: var model, the model that fills ``recommendations``.
    model_params: var model_params, with var neighbors applied (configured_params).
    top_n: var top_n. eval_models: var eval_models. eval_top_n: max(var eval_k),
    the length of every evaluated list. eval_seed: var eval_seed.
    tuning_grid: var tuning_grid. serving_db: the serving file's path ('' = default).
    reasons_per_recommendation, artist_weights_top_k: the vars of the same
    names (docs/api.md). eval_bootstrap_replicates: var of the same name.
    """

    model: str | None = None
    model_params: dict[str, dict] = field(default_factory=dict)
    top_n: int | None = None
    eval_models: tuple[str, ...] = ()
    eval_top_n: int | None = None
    eval_seed: int | None = None
    tuning_grid: dict[str, Any] = field(default_factory=dict)
    serving_db: str | None = None
    reasons_per_recommendation: int | None = None
    artist_weights_top_k: int | None = None
    eval_bootstrap_replicates: int | None = None

    def require(self, name: str) -> Any:
        """The setting ``name``; ValueError when the model's YAML does not set it."""
        value = getattr(self, name)
        if value is None:
            raise ValueError(f"dbt config settings.{name}: not set (add it to the model's config in its YAML)")
        return value


#: Keys of the settings JSON; model_params needs neighbors beside it.
KEYS = ("model", "model_params", "neighbors", "top_n", "eval_models", "eval_k", "eval_seed", "tuning_grid",
        "serving_db", "reasons_per_recommendation", "artist_weights_top_k", "eval_bootstrap_replicates")


def read_settings(text: str | None) -> Settings:
    """The Settings in ``text``, the JSON of config key ``settings`` (module
    docstring). ValueError naming the key for unknown keys or wrong types."""
    if not text:
        raise ValueError("dbt config settings: not set; the model's YAML must set config.settings (JSON)")
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError(f"dbt config settings: expected a JSON object, found {text!r}")
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise ValueError(f"dbt config settings: unknown key(s) {unknown}; expected keys from {list(KEYS)}")
    values: dict[str, Any] = {}
    if "model_params" in raw:
        if "neighbors" not in raw:
            raise ValueError("dbt config settings: model_params needs neighbors beside it (the seed's models)")
        values["model_params"] = configured_params(raw["model_params"], _integer(raw, "neighbors"))
    for name in ("top_n", "eval_seed", "reasons_per_recommendation", "artist_weights_top_k",
                 "eval_bootstrap_replicates"):
        if name in raw:
            values[name] = _integer(raw, name)
    if "eval_k" in raw:
        eval_k = raw["eval_k"]
        if not isinstance(eval_k, list) or not eval_k:
            raise ValueError(f"dbt config settings.eval_k: expected a non-empty list of cut-offs, found {eval_k!r}")
        values["eval_top_n"] = max(_integer({"eval_k": k}, "eval_k") for k in eval_k)
    if "eval_models" in raw:
        names = raw["eval_models"]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"dbt config settings.eval_models: expected a list of model names, found {names!r}")
        values["eval_models"] = tuple(names)
    if "tuning_grid" in raw:
        if not isinstance(raw["tuning_grid"], dict):
            raise ValueError(f"dbt config settings.tuning_grid: expected model -> grid, found {raw['tuning_grid']!r}")
        values["tuning_grid"] = raw["tuning_grid"]
    for name in ("model", "serving_db"):
        if name in raw:
            values[name] = None if raw[name] is None else str(raw[name])
    return Settings(**values)


def _integer(raw: Mapping[str, Any], name: str) -> int:
    value = raw[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"dbt config settings.{name}: expected an integer, found {value!r}")
    return value
