"""The tuning's second stage: every trial of var tuning_grid for the models of
var eval_models that blend others (the hybrid), with each component's
parameters chosen in the first stage (int_eval_tuning_components_chosen; var
model_params for components not tuned), fitted once on the tuning data and
scored for the validation users. It never reads the test holdout."""
import json

from lastfm_recs.recommenders import blends_others
from lastfm_recs.tuning import resolve_params, run_trials, tuning_plan
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
    chosen = dict(dbt.ref("int_eval_tuning_components_chosen").select("model, params").fetchall())
    names = [name for name in dbt.config.get("eval_models").split(",") if blends_others(name)]
    plan = tuning_plan(json.loads(dbt.config.get("tuning_grid")), names)
    return run_trials(
        plan,
        inputs,
        validation.to_arrow_table()["user_index"].to_numpy(),
        top_n=int(dbt.config.get("eval_top_n")),
        seed=int(dbt.config.get("eval_seed")),
        fixed=resolve_params(json.loads(dbt.config.get("model_params")), chosen),
        progress=dbt_progress("int_eval_tuning_blends_scored"),
        cache={},  # the components are fitted once for all the blends
    )
