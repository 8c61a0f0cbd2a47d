"""Fits every model of var eval_models on the training data (the plays
without the held-out pairs) and returns each model's top max(eval_k) list for
every evaluated user, by integer index; eval_recommendations adds the ids.
Tuned models use the parameters their tuning chose in this run
(int_eval_tuning_chosen, on the validation split); the others var
model_params. The models live in lastfm_recs.recommenders."""
import numpy as np
import pyarrow as pa

from lastfm_recs.recommenders import recommend_with
from lastfm_recs.tuning import params_json, resolve_params
from lastfm_recs.warehouse_io import configured_params, dbt_progress, load_scoring_inputs, recommendations_table


def model(dbt, session):
    dbt.config(materialized="table")
    inputs = load_scoring_inputs(
        users=dbt.ref("int_users_featured"),
        artists=dbt.ref("int_artists_deduplicated_by_mbid"),
        plays_normalised=dbt.ref("int_eval_plays_training"),
        cold_baseline=dbt.ref("int_eval_cold_user_baseline"),
    )
    evaluated = dbt.ref("int_eval_users_sampled").filter("is_evaluated").select("user_index")
    tuned = dict(dbt.ref("int_eval_tuning_chosen").select("model, params").fetchall())
    configured = configured_params(dbt.config.get("model_params"), int(dbt.config.get("neighbors")))
    params = resolve_params(configured, tuned)
    runs = recommend_with(
        dbt.config.get("eval_models").split(","),
        inputs,
        evaluated.to_arrow_table()["user_index"].to_numpy(),
        top_n=int(dbt.config.get("eval_top_n")),
        seed=int(dbt.config.get("eval_seed")),
        params=params,
        progress=dbt_progress("int_eval_recommendations_scored"),
    )
    tables = []
    for name, run in runs.items():
        table = recommendations_table(*run.recommendations)
        n = table.num_rows
        table = table.add_column(0, "model", pa.array(np.full(n, name), pa.string()))
        for column, value, kind in [
            ("params", params_json(params.get(name, {})), pa.string()),
            ("params_source", "tuned" if name in tuned else "model_params", pa.string()),
            ("fit_seconds", run.fit_seconds, pa.float64()),
            ("recommend_seconds", run.recommend_seconds, pa.float64()),
        ]:
            table = table.append_column(column, pa.array([value] * n, kind))
        tables.append(table)
    return pa.concat_tables(tables)
