"""The tuning's first stage: every trial of var tuning_grid for each model of
var eval_models except those that blend others (the hybrid, second stage:
int_eval_tuning_blends_scored), fitted on the tuning data (the training data
without the validation pairs) and scored for the validation users. It never
reads the test holdout. The search lives in lastfm_recs.tuning."""
import json

from lastfm_recs.recommenders import blends_others
from lastfm_recs.tuning import run_trials, tuning_plan
from lastfm_recs.warehouse_io import dbt_progress, load_scoring_inputs


def model(dbt, session):
    dbt.config(materialized="table")
    inputs = load_scoring_inputs(
        users=dbt.ref("int_users_featured"),
        artists=dbt.ref("int_artists_deduplicated_by_mbid"),
        plays_normalised=dbt.ref("int_eval_tuning_training"),
        cold_baseline=dbt.ref("int_eval_tuning_cold_user_baseline"),
    )
    validation = dbt.ref("int_eval_validation_users_sampled").filter("is_evaluated").select("user_index")
    names = [name for name in dbt.config.get("eval_models").split(",") if not blends_others(name)]
    plan = tuning_plan(json.loads(dbt.config.get("tuning_grid")), names)
    return run_trials(
        plan,
        inputs,
        validation.to_arrow_table()["user_index"].to_numpy(),
        top_n=int(dbt.config.get("eval_top_n")),
        seed=int(dbt.config.get("eval_seed")),
        fixed={},
        progress=dbt_progress("int_eval_tuning_scored"),
    )
