"""Glue between the dbt Python models and the algorithms: DuckDB relations in,
numpy / scipy arrays out, and progress lines into the dbt log.

The algorithms stay pure (arrays in, arrays out); every read of the warehouse
goes through here so that each Python model is a few lines.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from lastfm_recs.explain import Reasons
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.tuning import params_json

if TYPE_CHECKING:
    from lastfm_recs.runner import Run


def _fetch(relation, columns: str, order_by: str) -> pa.Table:
    """Fully fetch the named columns of a DuckDB relation as an Arrow table."""
    return relation.select(columns).order(order_by).to_arrow_table()


def _check_dense_index(values: np.ndarray, what: str) -> None:
    """The scoring arrays need indices 0..n-1 with no gaps, in order."""
    if not np.array_equal(values, np.arange(len(values))):
        raise ValueError(f"{what} must number the rows 0..{len(values) - 1} without gaps")


def load_scoring_inputs(users, artists, plays_normalised, cold_baseline) -> ScoringInputs:
    """Read the intermediate models the scoring needs into arrays.

    users: relation with user_index, age_scaled, country_index, age_band (int_users_featured).
    artists: relation with artist_index (int_artists_deduplicated_by_mbid).
    plays_normalised: relation with user_index, artist_index, plays, plays_share.
    cold_baseline: relation with artist_index, baseline_share.
    """
    user_table = _fetch(
        users, "user_index, age_scaled, coalesce(country_index, -1) as country_index, age_band", "user_index"
    )
    _check_dense_index(user_table["user_index"].to_numpy(), "int_users_featured.user_index")
    artist_index = _fetch(artists, "artist_index", "artist_index")["artist_index"].to_numpy()
    _check_dense_index(artist_index, "int_artists_deduplicated_by_mbid.artist_index")
    shape = (user_table.num_rows, len(artist_index))

    play_table = plays_normalised.select("user_index, artist_index, plays, plays_share").to_arrow_table()
    rows = play_table["user_index"].to_numpy()
    cols = play_table["artist_index"].to_numpy()
    plays_share = sp.csr_matrix((play_table["plays_share"].to_numpy(), (rows, cols)), shape=shape)
    plays = sp.csr_matrix((play_table["plays"].to_numpy().astype(np.float64), (rows, cols)), shape=shape)
    del play_table, rows, cols

    baseline_table = _fetch(cold_baseline, "artist_index, baseline_share", "artist_index")
    baseline = np.zeros(shape[1])
    baseline[baseline_table["artist_index"].to_numpy()] = baseline_table["baseline_share"].to_numpy()

    return ScoringInputs(
        plays_share=plays_share,
        plays=plays,
        cold_baseline=baseline,
        age_scaled=user_table["age_scaled"].to_numpy().astype(np.float64),
        country_index=user_table["country_index"].to_numpy().astype(np.int64),
        age_band_index=np.unique(user_table["age_band"].to_numpy(zero_copy_only=False), return_inverse=True)[1]
        .astype(np.int64),
    )


def recommendations_table(user_index, rank, artist_index, score) -> pa.Table:
    """The scored top-n lists as the Arrow table a Python model returns."""
    return pa.table(
        {
            "user_index": pa.array(user_index, pa.int64()),
            "rank": pa.array(rank, pa.int32()),
            "artist_index": pa.array(artist_index, pa.int64()),
            "score": pa.array(score, pa.float64()),
        }
    )


def runs_table(runs: Mapping[str, Run], params: Mapping[str, Mapping[str, object]],
               tuned: Mapping[str, str]) -> pa.Table:
    """The lists of several models (name -> Run) as one Arrow table: the
    columns of ``recommendations_table`` after ``model``, then each model's
    params (JSON), params_source ('tuned' when in ``tuned``, else
    'model_params'), fit_seconds and recommend_seconds."""
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


def dbt_progress(model_name: str) -> Callable[[str], None]:
    """A progress callback that writes lines into the dbt log (and console)."""
    from dbt.adapters.events.logging import AdapterLogger

    logger = AdapterLogger("lastfm_recs")
    start = time.monotonic()

    def report(message: str) -> None:
        logger.info(f"{model_name}: {message} [{time.monotonic() - start:.0f} s]")

    return report


def evaluated_users(users_sampled) -> np.ndarray:
    """The user_index of the rows of a sampled-users relation
    (int_eval_users_sampled, int_eval_validation_users_sampled) with is_evaluated."""
    return users_sampled.filter("is_evaluated").select("user_index").to_arrow_table()["user_index"].to_numpy()


def chosen_params(chosen) -> dict[str, str]:
    """model -> params (JSON) of a relation of chosen trials
    (int_eval_tuning_chosen, int_eval_tuning_components_chosen)."""
    return dict(chosen.select("model, params").fetchall())


def reasons_column(reasons, n_recommendations: int) -> pa.ListArray:
    """The reasons (lastfm_recs.explain.Reasons, ordered by recommendation
    then reason rank) as one list of {artist_index, contribution, share} per
    recommendation: the nested column int_recommendations_scored returns."""
    counts = np.bincount(reasons.recommendation, minlength=n_recommendations)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    items = pa.StructArray.from_arrays(
        [pa.array(reasons.artist_index, pa.int64()), pa.array(reasons.contribution, pa.float64()),
         pa.array(reasons.share, pa.float64())],
        names=["artist_index", "contribution", "share"],
    )
    return pa.ListArray.from_arrays(pa.array(offsets), items)


def scored_batches(recommendations, reason_blocks, fit_id: str) -> pa.RecordBatchReader:
    """What int_recommendations_scored returns: the recommendations' columns
    (recommendations_table), their ``reasons`` (reasons_column) and
    ``fit_id``, as a stream with one batch per block of ``reason_blocks``
    ((start, end, Reasons) in order, lastfm_recs.explain.explain_blocks), so
    that DuckDB stores each block while the next is explained and the whole
    table is never in Python's memory at once."""
    user, rank, artist, score = (np.asarray(part) for part in recommendations)

    def block_table(start: int, end: int, reasons) -> pa.Table:
        table = recommendations_table(user[start:end], rank[start:end], artist[start:end], score[start:end])
        table = table.append_column("reasons", reasons_column(
            replace(reasons, recommendation=reasons.recommendation - start), end - start))
        return table.append_column("fit_id", pa.array([fit_id] * (end - start), pa.string()))

    def batches():
        for start, end, reasons in reason_blocks:
            yield from block_table(start, end, reasons).to_batches()

    return pa.RecordBatchReader.from_batches(block_table(0, 0, Reasons.empty()).schema, batches())
