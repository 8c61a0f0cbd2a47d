"""Scores every user in scope with the model of var `model` (default: the
best of the evaluation; `user_knn` is the seed model of docs/spec.md exactly) and its
parameters from var model_params, and keeps the top_n artists per user, by
integer index; the recommendations mart adds the ids and names. The models
live in lastfm_recs.models, by name in lastfm_recs.recommenders."""
import numpy as np

from lastfm_recs.dbt_config import read_settings
from lastfm_recs.runner import run_model
from lastfm_recs.warehouse_io import dbt_progress, load_scoring_inputs, recommendations_table


def model(dbt, session):
    dbt.config(materialized="table")
    settings = read_settings(dbt.config.get("settings"))
    inputs = load_scoring_inputs(
        users=dbt.ref("int_users_featured"),
        artists=dbt.ref("int_artists_deduplicated_by_mbid"),
        plays_normalised=dbt.ref("int_plays_normalised"),
        cold_baseline=dbt.ref("int_cold_user_baseline"),
    )
    run = run_model(
        settings.require("model"),
        inputs,
        users=np.arange(inputs.plays.shape[0]),
        top_n=settings.require("top_n"),
        seed=0,
        params=settings.model_params,
        progress=dbt_progress("int_recommendations_scored"),
    )
    return recommendations_table(*run.recommendations)
