"""95% bootstrap intervals over the evaluated users of every metric of
eval_metrics, one row per model, K and metric (lastfm_recs.bootstrap): var
eval_bootstrap_replicates replicates seeded by var eval_seed, the same
resampled users for every model."""
import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from lastfm_recs.bootstrap import MEAN_METRICS, bootstrap_metrics, interval
from lastfm_recs.dbt_config import read_settings

COLUMNS = ["user_index", *MEAN_METRICS, "self_information", "recommended"]


def model(dbt, session):
    dbt.config(materialized="table")
    settings = read_settings(dbt.config.get("settings"))
    replicates = settings.require("eval_bootstrap_replicates")
    seed = settings.require("eval_seed")
    users = (dbt.ref("int_eval_user_metrics")
             .select("model, k, " + ", ".join(f"{c}::double as {c}" for c in COLUMNS))
             .order("model, k, user_index").to_arrow_table())
    lists = dbt.ref("int_eval_recommendations_scored").select("model, user_index, rank, artist_index").to_arrow_table()
    catalogue = dbt.ref("int_eval_catalogue").count("*").fetchall()[0][0]
    user_order = np.unique(users["user_index"].to_numpy())
    n_artists = int(max(lists["artist_index"].to_numpy().max(initial=-1), 0)) + 1
    out = {"model": [], "k": [], "metric": [], "ci_low": [], "ci_high": [], "replicates": []}
    names = users["model"].to_numpy(zero_copy_only=False)
    ks = users["k"].to_numpy()
    list_models = lists["model"].to_numpy(zero_copy_only=False)
    for name, k in sorted(set(zip(names, ks))):
        rows = np.flatnonzero((names == name) & (ks == k))
        if not np.array_equal(users["user_index"].to_numpy()[rows].astype(np.int64), user_order.astype(np.int64)):
            raise ValueError(f"int_eval_user_metrics: model {name} at K={k} does not have one row per evaluated user")
        metrics = {c: users[c].to_numpy()[rows] for c in COLUMNS[1:]}
        mine = (list_models == name) & (lists["rank"].to_numpy() <= k)
        position = np.searchsorted(user_order, lists["user_index"].to_numpy()[mine])
        recommended = sp.csr_matrix((np.ones(len(position)), (position, lists["artist_index"].to_numpy()[mine])),
                                    shape=(len(user_order), n_artists))
        values = bootstrap_metrics(metrics, recommended, catalogue, replicates, seed)
        for metric, replicate_values in values.items():
            low, high = interval(replicate_values)
            for column, value in zip(out, (name, int(k), metric, low, high, replicates)):
                out[column].append(value)
    return pa.table({
        "model": pa.array(out["model"], pa.string()),
        "k": pa.array(out["k"], pa.int32()),
        "metric": pa.array(out["metric"], pa.string()),
        "ci_low": pa.array(out["ci_low"], pa.float64()),
        "ci_high": pa.array(out["ci_high"], pa.float64()),
        "replicates": pa.array(out["replicates"], pa.int32()),
    })
