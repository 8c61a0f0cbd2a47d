"""The tuning's second stage: every trial of var tuning_grid for the models of
var eval_models that blend others (the hybrid), with each component's
parameters chosen in the first stage (int_eval_tuning_components_chosen; var
model_params for components not tuned), fitted once on the tuning data and
scored for the validation users. It never reads the test holdout."""
from lastfm_recs.dbt_config import read_settings
from lastfm_recs.tuning import run_tuning_stage
from lastfm_recs.warehouse_io import chosen_params, dbt_progress, evaluated_users, load_scoring_inputs


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
        blends=True,
        chosen=chosen_params(dbt.ref("int_eval_tuning_components_chosen")),
        progress=dbt_progress("int_eval_tuning_blends_scored"),
    )
