"""The chosen parameters at the edge of their grid, one row per tuned model
whose chosen trial has any (lastfm_recs.tuning_edges): eval_tuning's
edge_warning."""
import json

import pyarrow as pa

from lastfm_recs.dbt_config import read_settings
from lastfm_recs.tuning_edges import grid_edges


def model(dbt, session):
    dbt.config(materialized="table")
    grids = read_settings(dbt.config.get("settings")).tuning_grid
    rows = {"model": [], "trial": [], "edge_warning": []}
    for name, trial, params in dbt.ref("int_eval_tuning_chosen").select("model, trial, params").fetchall():
        warnings = grid_edges(grids.get(name, {}), json.loads(params))
        if warnings:
            rows["model"].append(name)
            rows["trial"].append(trial)
            rows["edge_warning"].append("; ".join(warnings))
    return pa.table({
        "model": pa.array(rows["model"], pa.string()),
        "trial": pa.array(rows["trial"], pa.int32()),
        "edge_warning": pa.array(rows["edge_warning"], pa.string()),
    })
