"""Fits every model of var eval_models on the training data (the plays
without the held-out pairs) and returns each model's top max(eval_k) list for
every evaluated user, by integer index; eval_recommendations adds the ids.
The models live in lastfm_recs.recommenders."""
import numpy as np
import pyarrow as pa

from lastfm_recs.recommenders import recommend_with
from lastfm_recs.warehouse_io import dbt_progress, load_scoring_inputs, recommendations_table


def model(dbt, session):
    dbt.config(materialized="table")
    inputs = load_scoring_inputs(
        users=dbt.ref("int_users_featured"),
        artists=dbt.ref("int_artists_deduplicated_by_mbid"),
        plays_normalised=dbt.ref("int_eval_plays_training"),
        cold_baseline=dbt.ref("int_eval_cold_user_baseline"),
    )
    evaluated = dbt.ref("int_eval_users_sampled").filter("is_evaluated").select("user_index")
    users = evaluated.fetch_arrow_table()["user_index"].to_numpy()
    results = recommend_with(
        dbt.config.get("eval_models").split(","),
        inputs,
        users,
        top_n=int(dbt.config.get("eval_top_n")),
        seed=int(dbt.config.get("eval_seed")),
        progress=dbt_progress("int_eval_recommendations_scored"),
        neighbors=int(dbt.config.get("neighbors")),
    )
    tables = []
    for name, arrays in results.items():
        table = recommendations_table(*arrays)
        tables.append(table.add_column(0, "model", pa.array(np.full(table.num_rows, name), pa.string())))
    return pa.concat_tables(tables)
