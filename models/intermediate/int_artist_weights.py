"""The artist-artist weights of the model of var `model` (lastfm_recs.item_weights):
for each artist, its artist_weights_top_k strongest positive weights W(i, j),
by integer index. The weights of the fit behind the recommendations, handed
over by int_recommendations_scored under its fit_id (no second fit); when
this model runs without it (dbt build --select), the model is fitted again,
identically. A model without item-item weights (user-user, factor,
popularity, hybrid) gives item_knn's, fitted with its model_params, for the
similar artists; `model` says whose they are."""
import numpy as np
import pyarrow as pa

from lastfm_recs.dbt_config import read_settings
from lastfm_recs.item_weights import artist_weights, take
from lastfm_recs.recommenders import fit_model
from lastfm_recs.warehouse_io import dbt_progress, load_scoring_inputs


def model(dbt, session):
    dbt.config(materialized="table")
    settings = read_settings(dbt.config.get("settings"))
    name = settings.require("model")
    top_k = settings.require("artist_weights_top_k")
    params = settings.model_params
    progress = dbt_progress("int_artist_weights")
    fit_ids = dbt.ref("int_recommendations_scored").select("fit_id").limit(1).fetchall()
    found, weights = take(fit_ids[0][0]) if fit_ids else (False, None)
    inputs = None

    def fitted(model_name):
        nonlocal inputs
        if inputs is None:
            inputs = load_scoring_inputs(
                users=dbt.ref("int_users_featured"),
                artists=dbt.ref("int_artists_deduplicated_by_mbid"),
                plays_normalised=dbt.ref("int_plays_normalised"),
                cold_baseline=dbt.ref("int_cold_user_baseline"),
            )
        return fit_model(model_name, inputs, 0, params, progress)

    if not found:
        progress(f"no weights handed over by int_recommendations_scored: fitting {name} again")
        weights = artist_weights(fitted(name), top_k)
    source = name
    if weights is None:
        source = "item_knn"
        progress(f"{name} has no artist-artist weights: item_knn's for the similar artists")
        weights = artist_weights(fitted(source), top_k)
    artist, rank, neighbour, weight = weights
    return pa.table({
        "artist_index": pa.array(artist, pa.int64()),
        "rank": pa.array(rank, pa.int32()),
        "neighbour_index": pa.array(neighbour, pa.int64()),
        "weight": pa.array(np.asarray(weight, dtype=np.float64), pa.float64()),
        "model": pa.repeat(pa.scalar(source), len(artist)),
    })
