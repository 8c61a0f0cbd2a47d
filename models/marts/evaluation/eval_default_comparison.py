"""The default model (var model) against every other evaluated model on the
same users: the difference of each mean metric with its paired 95%
bootstrap interval (lastfm_recs.bootstrap), one row per other model, K and
metric; is_runner_up marks the best other model by the metric at that K,
beats_beyond_noise a difference whose whole interval is above 0."""
import numpy as np
import pyarrow as pa

from lastfm_recs.bootstrap import MEAN_METRICS, paired_differences
from lastfm_recs.dbt_config import read_settings

SCHEMA = pa.schema([
    ("default_model", pa.string()), ("model", pa.string()), ("k", pa.int32()), ("metric", pa.string()),
    ("default_value", pa.float64()), ("value", pa.float64()), ("difference", pa.float64()),
    ("ci_low", pa.float64()), ("ci_high", pa.float64()), ("is_runner_up", pa.bool_()),
    ("beats_beyond_noise", pa.bool_()),
])


def model(dbt, session):
    dbt.config(materialized="table")
    settings = read_settings(dbt.config.get("settings"))
    default = settings.require("model")
    replicates = settings.require("eval_bootstrap_replicates")
    seed = settings.require("eval_seed")
    users = (dbt.ref("int_eval_user_metrics")
             .select("model, k, user_index, " + ", ".join(f"{c}::double as {c}" for c in MEAN_METRICS))
             .order("model, k, user_index").to_arrow_table().to_pandas())
    if default not in set(users["model"]):
        return SCHEMA.empty_table()  # the default is not among var eval_models
    rows = []
    for k, at_k in users.groupby("k"):
        per_model = {name: group for name, group in at_k.groupby("model")}
        mine = per_model[default]
        others = [name for name in per_model if name != default]
        best = {column: max(others, key=lambda name, c=column: (per_model[name][c].mean(), name), default=None)
                for column in MEAN_METRICS}
        for name in others:
            theirs = per_model[name]
            if not np.array_equal(theirs["user_index"].to_numpy(), mine["user_index"].to_numpy()):
                raise ValueError(f"int_eval_user_metrics: {name} and {default} differ in users at K={k}")
            differences = paired_differences(mine, theirs, replicates, seed)
            for column, metric in MEAN_METRICS.items():
                difference, low, high = differences[metric]
                rows.append((default, name, int(k), metric, float(mine[column].mean()),
                             float(theirs[column].mean()), difference, low, high, name == best[column], low > 0))
    return pa.Table.from_pylist([dict(zip(SCHEMA.names, row)) for row in rows], schema=SCHEMA)
