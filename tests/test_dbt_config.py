"""lastfm_recs.dbt_config: the settings JSON every dbt Python model reads,
against hand-written expectations, and the project's own settings."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lastfm_recs.dbt_config import KEYS, configured_params, read_settings

REPO = Path(__file__).resolve().parents[1]


def test_settings_keep_the_vars_types():
    text = json.dumps({
        "model": "ease", "top_n": 20, "neighbors": 7, "eval_seed": 3, "eval_k": [10, 20, 5],
        "eval_models": ["popularity", "hybrid"], "tuning_grid": {"ease": {"l2": [1.0, 2.0]}},
        "model_params": {"ease": {"l2": 5.0}, "user_knn": {"neighbors": 99}},
    })
    settings = read_settings(text)
    assert settings.model == "ease"
    assert settings.top_n == 20
    assert settings.eval_seed == 3
    assert settings.eval_top_n == 20  # the longest list evaluated
    assert settings.eval_models == ("popularity", "hybrid")
    assert settings.tuning_grid == {"ease": {"l2": [1.0, 2.0]}}
    # var neighbors is the seed models' neighbour count, whatever model_params says
    assert settings.model_params == {"ease": {"l2": 5.0}, "user_knn": {"neighbors": 7},
                                     "user_knn_plays_only": {"neighbors": 7}}


def test_settings_not_given_are_empty_and_required_ones_named():
    settings = read_settings(json.dumps({"serving_db": ""}))
    assert settings.serving_db == ""
    assert settings.model_params == {} and settings.eval_models == ()
    with pytest.raises(ValueError, match=r"dbt config settings\.top_n: not set"):
        settings.require("top_n")


@pytest.mark.parametrize("text,message", [
    (None, r"dbt config settings: not set"),
    ("[1, 2]", r"expected a JSON object"),
    ('{"topn": 3}', r"unknown key\(s\) \['topn'\]"),
    ('{"top_n": "20"}', r"settings\.top_n: expected an integer, found '20'"),
    ('{"eval_k": []}', r"settings\.eval_k: expected a non-empty list"),
    ('{"eval_models": "ease,als"}', r"settings\.eval_models: expected a list of model names"),
    ('{"model_params": {}}', r"model_params needs neighbors beside it"),
    ('{"model_params": {"ease": 3}, "neighbors": 5}', r"var model_params: expected model name -> parameters"),
])
def test_bad_settings_are_named(text, message):
    with pytest.raises(ValueError, match=message):
        read_settings(text)


def test_configured_params_does_not_change_its_input():
    given = {"user_knn": {"neighbors": 3, "other": 1}}
    assert configured_params(given, 9)["user_knn"] == {"neighbors": 9, "other": 1}
    assert given == {"user_knn": {"neighbors": 3, "other": 1}}


def test_every_python_model_reads_its_settings_one_way():
    """Each dbt Python model reads one config key, settings, through
    read_settings, and its YAML sets only known keys."""
    models = sorted((REPO / "models").rglob("*.py"))
    assert models
    for path in models:
        code = path.read_text()
        assert re.findall(r"dbt\.config\.get\(([^)]*)\)", code) == ['"settings"'], path
        assert "read_settings(dbt.config.get(\"settings\"))" in code, path
    yaml_text = "".join(p.read_text() for p in (REPO / "models").rglob("*.yml"))
    used = set(re.findall(r"'(\w+)': (?:var|env_var)\(", yaml_text))
    assert used and used <= set(KEYS)
