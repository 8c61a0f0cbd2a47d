"""Fits every model of var eval_models on the training data (the plays
without the held-out pairs) and returns each model's top max(eval_k) list for
every evaluated user, by integer index; eval_recommendations adds the ids.
Tuned models use the parameters their tuning chose in this run
(int_eval_tuning_chosen, on the validation split); the others var
model_params. The models live in lastfm_recs.models, by name in
lastfm_recs.recommenders."""
from lastfm_recs.dbt_config import read_settings
from lastfm_recs.runner import recommend_with
from lastfm_recs.tuning import resolve_params
from lastfm_recs.warehouse_io import (
    chosen_params,
    dbt_progress,
    evaluated_users,
    load_scoring_inputs,
    runs_table,
)


def model(dbt, session):
    dbt.config(materialized="table")
    settings = read_settings(dbt.config.get("settings"))
    inputs = load_scoring_inputs(
        users=dbt.ref("int_users_featured"),
        artists=dbt.ref("int_artists_deduplicated_by_mbid"),
        plays_normalised=dbt.ref("int_eval_plays_training"),
        cold_baseline=dbt.ref("int_eval_cold_user_baseline"),
    )
    tuned = chosen_params(dbt.ref("int_eval_tuning_chosen"))
    params = resolve_params(settings.model_params, tuned)
    runs = recommend_with(
        settings.eval_models,
        inputs,
        evaluated_users(dbt.ref("int_eval_users_sampled")),
        top_n=settings.require("eval_top_n"),
        seed=settings.require("eval_seed"),
        params=params,
        progress=dbt_progress("int_eval_recommendations_scored"),
    )
    return runs_table(runs, params, tuned)
