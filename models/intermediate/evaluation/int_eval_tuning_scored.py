"""The tuning's first stage: every trial of var tuning_grid for each model of
var eval_models except those that blend others (the hybrid, second stage:
int_eval_tuning_blends_scored), fitted on the tuning data (the training data
without the validation pairs) and scored for the validation users. It never
reads the test holdout. The search lives in lastfm_recs.tuning."""
from lastfm_recs.dbt_config import read_settings
from lastfm_recs.tuning import run_tuning_stage
from lastfm_recs.warehouse_io import dbt_progress, evaluated_users, load_scoring_inputs


def model(dbt, session):
    dbt.config(materialized="table")
    inputs = load_scoring_inputs(
        users=dbt.ref("int_users_featured"),
        artists=dbt.ref("int_artists_deduplicated_by_mbid"),
        plays_normalised=dbt.ref("int_eval_tuning_training"),
        cold_baseline=dbt.ref("int_eval_tuning_cold_user_baseline"),
    )
    return run_tuning_stage(
        read_settings(dbt.config.get("settings")),
        inputs,
        evaluated_users(dbt.ref("int_eval_validation_users_sampled")),
        blends=False,
        chosen={},
        progress=dbt_progress("int_eval_tuning_scored"),
    )
