"""Scores every user in scope with the model of var `model` (default: the
best of the evaluation; `user_knn` is the seed model of docs/spec.md exactly) and its
parameters from var model_params, and keeps the top_n artists per user, by
integer index; the recommendations mart adds the ids and names. The models
live in lastfm_recs.models, by name in lastfm_recs.recommenders.

From the same fitted model (never a second fit): each recommendation's
reasons (lastfm_recs.explain, nested column `reasons`) and the model's
artist-artist weights, handed to int_artist_weights under the token `fit_id`
(lastfm_recs.item_weights). The table goes to DuckDB as a stream of Arrow
batches, one block of users at a time (warehouse_io.scored_batches)."""
import uuid

import numpy as np

from lastfm_recs.dbt_config import read_settings
from lastfm_recs.explain import explain_blocks
from lastfm_recs.item_weights import artist_weights, handoff
from lastfm_recs.runner import run_model
from lastfm_recs.warehouse_io import dbt_progress, load_scoring_inputs, scored_batches


def model(dbt, session):
    dbt.config(materialized="table")
    settings = read_settings(dbt.config.get("settings"))
    inputs = load_scoring_inputs(
        users=dbt.ref("int_users_featured"),
        artists=dbt.ref("int_artists_deduplicated_by_mbid"),
        plays_normalised=dbt.ref("int_plays_normalised"),
        cold_baseline=dbt.ref("int_cold_user_baseline"),
    )
    name = settings.require("model")
    progress = dbt_progress("int_recommendations_scored")
    fitted = {}
    run = run_model(
        name,
        inputs,
        users=np.arange(inputs.plays.shape[0]),
        top_n=settings.require("top_n"),
        seed=0,
        params=settings.model_params,
        progress=progress,
        cache=fitted,
    )
    fitted_model = next(value for (fitted_name, _), value in fitted.items() if fitted_name == name)
    fit_id = uuid.uuid4().hex
    handoff(fit_id, artist_weights(fitted_model, settings.require("artist_weights_top_k")))
    # explained a block of users at a time while DuckDB stores the blocks before
    reasons = explain_blocks(fitted_model, run.recommendations, inputs.plays,
                             max_reasons=settings.require("reasons_per_recommendation"), progress=progress)
    return scored_batches(run.recommendations, reasons, fit_id)
