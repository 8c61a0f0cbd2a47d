"""Spark's build gives the DuckDB build's answers (docs/spark.md).

On the bundled sample and on a freshly generated 2,000-user set: the SQL
marts (users, artists, load_summary, rejects) hold the same rows on both
engines; the default model's recommendations (ease, var model pinned) are
the same lists with scores within 1e-9 relative; user_knn's lists scored on
Spark (country partitions, cross-country levels) equal the DuckDB build's
Python scoring of the same model (lastfm_recs.recommenders.run_model, what
int_recommendations_scored runs), up to the order of exactly tied scores.

Part of `make test` (which installs requirements-spark.txt; Spark needs
Java 17+); `make test-spark` runs the Spark tests alone. One Spark process
builds both datasets (tests/spark_runner.py) while DuckDB builds them
beside it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from dbt_runs import REPO, run_dbt
from lastfm_recs.dbt_config import configured_params
from lastfm_recs.runner import run_model
from lastfm_recs.sample_data import generate_dataset
from lastfm_recs.warehouse_io import load_scoring_inputs

PINNED_VARS = {"model": "ease"}
DATASETS = ("sample", "generated")


def _env(workdir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "DBT_PROFILES_DIR": str(REPO), "DO_NOT_TRACK": "1",
            "PYTHONPATH": str(REPO / "python"), **extra}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """{dataset: (spark export dir, DuckDB warehouse path)}: both engines'
    builds of the sample and of a generated 2,000-user set (seed 16)."""
    root = tmp_path_factory.mktemp("spark-vs-duckdb")
    data = {"sample": REPO / "data" / "sample", "generated": root / "generated-2000"}
    generate_dataset(data["generated"], 2000, seed=16)
    spark_out = root / "spark"
    spark = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("spark_runner.py")), str(spark_out),
         *(f"{name}={path}" for name, path in data.items()), "--",
         "--vars", json.dumps(PINNED_VARS), "--target-path", str(root / "spark-target"),
         "--log-path", str(root / "spark-logs")],
        cwd=REPO, env=_env(root, LASTFM_SPARK_WAREHOUSE=str(root / "spark-warehouse"),
                           SPARK_MASTER="local[2]", SPARK_SHUFFLE_PARTITIONS="2"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    warehouses = {}
    for name, path in data.items():
        workdir = root / f"duckdb-{name}"
        result = run_dbt(workdir, "build", data_dir=path, dbt_vars=PINNED_VARS)
        assert result.returncode == 0, result.stdout[-5000:]
        warehouses[name] = workdir / "lastfm.duckdb"
    output, _ = spark.communicate(timeout=1800)
    assert spark.returncode == 0, output[-8000:]
    return {name: (spark_out / name, warehouses[name]) for name in data}


def _spark(builds, name: str, table: str) -> pd.DataFrame:
    return pd.read_parquet(builds[name][0] / f"{table}.parquet")


def _duckdb(builds, name: str, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(builds[name][1]), read_only=True) as con:
        return con.sql(sql).df()


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _is_date(series: pd.Series) -> bool:
    first = series.dropna()
    return pd.api.types.is_datetime64_any_dtype(series) or (len(first) > 0 and hasattr(first.iloc[0], "isoformat"))


def _assert_same_rows(actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str], what: str) -> None:
    """Same rows (by keys): numbers equal within 1e-12 relative (an integer
    column with nulls arrives as floats from one engine), dates as dates,
    the rest exactly as text; nulls in the same places."""
    assert sorted(actual.columns) == sorted(expected.columns), what
    assert len(actual) == len(expected), f"{what}: {len(actual)} rows on Spark, {len(expected)} on DuckDB"
    actual = actual[expected.columns].sort_values(keys, ignore_index=True)
    expected = expected.sort_values(keys, ignore_index=True)
    for column in expected.columns:
        a, e = actual[column], expected[column]
        if _is_number(a) and _is_number(e):
            np.testing.assert_allclose(a.to_numpy(float, na_value=np.nan), e.to_numpy(float, na_value=np.nan),
                                       rtol=1e-12, err_msg=f"{what}.{column}")
        elif _is_date(a) and _is_date(e):
            a_day, e_day = pd.to_datetime(a), pd.to_datetime(e)
            assert (a_day.isna() == e_day.isna()).all(), f"{what}.{column}: nulls differ"
            assert (a_day[a_day.notna()] == e_day[e_day.notna()]).all(), f"{what}.{column}: dates differ"
        else:
            a_text = [None if pd.isna(v) else str(v) for v in a]
            e_text = [None if pd.isna(v) else str(v) for v in e]
            bad = [i for i, (x, y) in enumerate(zip(a_text, e_text)) if x != y]
            assert not bad, f"{what}.{column}: row {bad[0]}: Spark {a_text[bad[0]]!r}, DuckDB {e_text[bad[0]]!r}"


def _assert_same_lists(actual: pd.DataFrame, expected: pd.DataFrame, what: str) -> None:
    """Per user the same artists at the same ranks, scores within 1e-9
    relative; two artists may swap only where their scores tie."""
    actual = actual.sort_values(["user_id", "rank"], ignore_index=True)
    expected = expected.sort_values(["user_id", "rank"], ignore_index=True)
    assert len(actual) == len(expected), f"{what}: {len(actual)} recommendations on Spark, {len(expected)} on DuckDB"
    same_users = (actual["user_id"].to_numpy() == expected["user_id"].to_numpy()).all()
    assert same_users, f"{what}: other users or list lengths"
    assert (actual["rank"].to_numpy() == expected["rank"].to_numpy()).all(), what
    np.testing.assert_allclose(actual["score"].to_numpy(float), expected["score"].to_numpy(float), rtol=1e-9,
                               err_msg=what)
    differ = np.flatnonzero(actual["artist_mbid"].to_numpy() != expected["artist_mbid"].to_numpy())
    for i in differ:  # either order of exactly tied scores is right
        same_user = expected["user_id"] == expected["user_id"][i]
        ties = np.isclose(expected["score"][same_user], expected["score"][i], rtol=1e-12).sum()
        assert ties > 1, f"{what}: user {expected['user_id'][i]} rank {expected['rank'][i]}: " \
                         f"{actual['artist_mbid'][i]} on Spark, {expected['artist_mbid'][i]} on DuckDB"
    assert len(differ) <= 0.01 * len(expected), f"{what}: {len(differ)} tied swaps"


@pytest.mark.parametrize("name", DATASETS)
def test_sql_marts_are_the_same(builds, name):
    for table, keys in (("users", ["user_id"]), ("artists", ["artist_mbid"]),
                        ("load_summary", ["source_file"]), ("rejects", ["source_file", "line_number"])):
        expected = _duckdb(builds, name, f"select * from {table}")
        _assert_same_rows(_spark(builds, name, table), expected, keys, f"{name}: {table}")
    summary = _duckdb(builds, name, "select * from load_summary")
    assert (summary["lines_read"] > 0).all()


@pytest.mark.parametrize("name", DATASETS)
def test_default_model_recommendations_are_the_same(builds, name):
    expected = _duckdb(builds, name, "select user_id, rank, artist_mbid, score from recommendations")
    actual = _spark(builds, name, "recommendations")[["user_id", "rank", "artist_mbid", "score"]]
    assert len(expected) > 0
    _assert_same_lists(actual, expected, f"{name}: ease")


@pytest.mark.parametrize("name", DATASETS)
def test_user_knn_recommendations_are_the_same(builds, name):
    with duckdb.connect(str(builds[name][1]), read_only=True) as con:
        inputs = load_scoring_inputs(
            users=con.table("int_users_featured"), artists=con.table("int_artists_deduplicated_by_mbid"),
            plays_normalised=con.table("int_plays_normalised"), cold_baseline=con.table("int_cold_user_baseline"))
        user_ids = con.sql("select user_id from int_users_in_scope order by user_index").df()["user_id"].to_numpy()
        mbids = con.sql("select artist_mbid from int_artists_deduplicated_by_mbid order by artist_index").df()[
            "artist_mbid"].to_numpy()
    user, rank, artist, score = run_model("user_knn", inputs, np.arange(len(user_ids)), top_n=20, seed=0,
                                          params=configured_params({}, 99)).recommendations
    expected = pd.DataFrame({"user_id": user_ids[user], "rank": rank, "artist_mbid": mbids[artist], "score": score})

    spark_users = _spark(builds, name, "int_users_in_scope").set_index("user_index")["user_id"]
    spark_artists = _spark(builds, name, "int_artists_deduplicated_by_mbid").set_index("artist_index")["artist_mbid"]
    lists = _spark(builds, name, "user_knn")
    actual = pd.DataFrame({"user_id": spark_users.loc[lists["user_index"]].to_numpy(), "rank": lists["rank"],
                           "artist_mbid": spark_artists.loc[lists["artist_index"]].to_numpy(),
                           "score": lists["score"]})
    assert len(expected) > 0
    _assert_same_lists(actual, expected, f"{name}: user_knn")


@pytest.mark.parametrize("name", DATASETS)
def test_sampling_hash_is_the_same(builds, name):
    """var sample_fraction keeps the same users on both engines: Spark's
    md5_number_mod (128-bit number from two 64-bit halves) equals DuckDB's
    md5_number(...) % 1000000 for every user."""
    expected = _duckdb(builds, name, "select user_id, (md5_number('0:' || user_id) % 1000000)::bigint as bucket "
                                     "from int_users_in_scope")
    actual = _spark(builds, name, "md5")
    actual["bucket"] = actual["bucket"].astype("int64")
    assert expected["bucket"].nunique() > 0.9 * len(expected)
    _assert_same_rows(actual, expected, ["user_id"], f"{name}: md5 buckets")
