"""Scores every user in scope with the model of var `model` (default: the
best of the evaluation; `user_knn` is the seed model of docs/spec.md exactly) and its
parameters from var model_params, and keeps the top_n artists per user, by
integer index; the recommendations mart adds the ids and names. The models
live in lastfm_recs.recommenders."""
import numpy as np

from lastfm_recs.recommenders import run_model
from lastfm_recs.warehouse_io import configured_params, dbt_progress, load_scoring_inputs, recommendations_table


def model(dbt, session):
    dbt.config(materialized="table")
    inputs = load_scoring_inputs(
        users=dbt.ref("int_users_featured"),
        artists=dbt.ref("int_artists_deduplicated_by_mbid"),
        plays_normalised=dbt.ref("int_plays_normalised"),
        cold_baseline=dbt.ref("int_cold_user_baseline"),
    )
    run = run_model(
        dbt.config.get("model"),
        inputs,
        users=np.arange(inputs.plays.shape[0]),
        top_n=int(dbt.config.get("top_n")),
        seed=0,
        params=configured_params(dbt.config.get("model_params"), int(dbt.config.get("neighbors"))),
        progress=dbt_progress("int_recommendations_scored"),
    )
    return recommendations_table(*run.recommendations)
