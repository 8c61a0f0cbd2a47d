"""lastfm_recs.tuning: grids, the plan, the trials table and resolved parameters."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from lastfm_recs import tuning
from lastfm_recs.dbt_config import read_settings
from lastfm_recs.models.ease import fit_ease
from lastfm_recs.recommenders import check_parameters, parameters
from model_inputs import inputs_from, random_plays


def test_a_grid_is_the_cartesian_product_in_order():
    assert tuning.expand_grid({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]


def test_a_list_of_grids_is_their_union_without_duplicates():
    grids = [{"a": [1, 2]}, {"a": [2, 3]}, {"a": [1], "b": [0]}]
    assert tuning.expand_grid(grids) == [{"a": 1}, {"a": 2}, {"a": 3}, {"a": 1, "b": 0}]
    weights = [{"ease": 1.0}, {"ease": 1.0, "item_knn": 0.5}]
    assert tuning.expand_grid({"weights": weights}) == [{"weights": w} for w in weights]


@pytest.mark.parametrize("grid,message", [
    ({"a": 3}, "tuning_grid.m.a: expected a non-empty list of values, found 3"),
    ({"a": []}, "tuning_grid.m.a: expected a non-empty list"),
    ({"a": "xy"}, "tuning_grid.m.a: expected a non-empty list"),
    ([[1, 2]], "tuning_grid.m: expected parameter -> list of values"),
])
def test_malformed_grids_are_named(grid, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        tuning.expand_grid(grid, "m")


def test_the_plan_numbers_trials_per_model_and_checks_them_first():
    grids = {"ease": {"l2": [1.0, 2.0]}, "item_knn": {"neighbors": [5]}, "als": {"factors": [2]}}
    plan = tuning.tuning_plan(grids, ["item_knn", "ease", "popularity"])  # als not asked, popularity no grid
    assert plan == [("item_knn", 1, {"neighbors": 5}), ("ease", 1, {"l2": 1.0}), ("ease", 2, {"l2": 2.0})]
    with pytest.raises(ValueError, match=r"model ease: unknown parameter\(s\) \['lambda'\]"):
        tuning.tuning_plan({"ease": {"lambda": [1]}}, ["ease"])
    with pytest.raises(ValueError, match=r"unknown model\(s\) \['svd'\]"):
        tuning.tuning_plan({"svd": {"factors": [1]}}, ["ease"])


def test_trials_become_one_table_with_their_parameters():
    inputs = inputs_from(random_plays(1, 30, 12))
    plan = tuning.tuning_plan({"ease": {"l2": [1.0, 50.0]}, "popularity": {}}, ["ease", "popularity"])
    table = tuning.run_trials(plan, inputs, np.arange(0, 30, 2), top_n=3, seed=0, fixed={})
    assert table.schema == tuning.TRIAL_SCHEMA
    rows = table.to_pylist()
    assert {(r["model"], r["trial"], r["params"]) for r in rows} == {
        ("ease", 1, '{"l2": 1.0}'), ("ease", 2, '{"l2": 50.0}'), ("popularity", 1, "{}")}
    assert {r["user_index"] for r in rows} == set(range(0, 30, 2))
    assert all(r["fit_seconds"] >= 0 for r in rows)


def test_a_trial_that_recommends_nothing_is_an_error():
    inputs = inputs_from(np.zeros((4, 3)))  # nothing to recommend
    with pytest.raises(ValueError, match=r"tuning: popularity trial 1 \{\} recommended nothing to any of the 4"):
        tuning.run_trials([("popularity", 1, {})], inputs, np.arange(4), top_n=3, seed=0, fixed={})


def test_resolved_parameters_are_the_configured_ones_but_the_tuned():
    configured = {"ease": {"l2": 500.0, "artists": 10}, "als": {"factors": 8}}
    tuned = {"ease": json.dumps({"l2": 3.0}), "item_knn": json.dumps({"neighbors": 7})}
    assert tuning.resolve_params(configured, tuned) == {
        "ease": {"l2": 3.0}, "als": {"factors": 8}, "item_knn": {"neighbors": 7}}


def test_the_project_grids_and_parameters_are_valid():
    """Every point of dbt_project.yml's tuning_grid and every model_params
    entry is a parameter set its model takes; every model of eval_models with
    parameters is searched; the hybrid blends only searched models."""
    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "dbt_project.yml").read_text())["vars"]
    grids, models = config["tuning_grid"], config["eval_models"]
    plan = tuning.tuning_plan(grids, models)
    assert {name for name, _, _ in plan} == {m for m in models if parameters(m)} - {"user_knn", "user_knn_plays_only"}
    for name, params in config["model_params"].items():
        check_parameters(name, params)
    assert config["model"] in models
    blended = {c for _, _, p in plan if "weights" in p for c in p["weights"]}
    assert blended <= set(grids)
    # at least the search the models issue asks of als
    als = {(p["factors"], p["weighting"], p["alpha"]) for name, _, p in plan if name == "als"}
    assert {(f, w, a) for f in (64, 128, 256) for w in ("binary", "log", "bm25") for a in (1.0, 10.0)} <= als


def test_the_two_stages_split_the_models_and_the_second_uses_the_first_choice():
    inputs = inputs_from(random_plays(3, 40, 15))
    users = np.arange(0, 40, 3)
    settings = read_settings(json.dumps({
        "eval_models": ["popularity", "ease", "hybrid"], "eval_k": [4, 2], "eval_seed": 0, "neighbors": 5,
        "tuning_grid": {"ease": {"l2": [1.0, 50.0]}, "hybrid": {"weights": [{"ease": 1.0}]}},
        "model_params": {"ease": {"l2": 9.0}},
    }))
    first = tuning.run_tuning_stage(settings, inputs, users, blends=False, chosen={}).to_pylist()
    assert {(r["model"], r["trial"]) for r in first} == {("ease", 1), ("ease", 2)}  # popularity: no grid
    chosen = {"ease": json.dumps({"l2": 50.0, "artists": 3})}
    second = tuning.run_tuning_stage(settings, inputs, users, blends=True, chosen=chosen).to_pylist()
    assert {(r["model"], r["trial"]) for r in second} == {("hybrid", 1)}
    # the hybrid of ease alone ranks as the ease the first stage chose (artists=3), fitted directly
    direct = fit_ease(inputs, np.random.default_rng(0), l2=50.0, artists=3).recommend(users, 4)
    expected = [(int(u), int(r), int(a)) for u, r, a, _ in zip(*direct)]
    assert sorted((r["user_index"], r["rank"], r["artist_index"]) for r in second) == sorted(expected)


def test_the_remaining_time_counts_each_trial_at_its_models_mean():
    assert tuning.remaining_seconds(["als"], {}) is None
    seconds = {"als": [10.0, 30.0], "ease": [4.0]}
    # als 20 + 20, ease 4, item_knn (not tried yet) at the mean of all, 44 / 3
    assert tuning.remaining_seconds(["als", "als", "ease", "item_knn"], seconds) == pytest.approx(44 + 44 / 3)
    assert tuning.remaining_seconds([], seconds) == 0
