"""End to end: `dbt build` on raw files into a temporary DuckDB file, then the
marts checked through a fresh read-only connection against the independent
reference implementation of docs/spec.md (tests/spec_reference.py)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml

import spec_reference as spec
from dbt_runs import REPO, SAMPLE, run_dbt
from lastfm_recs.dbt_config import configured_params
from lastfm_recs.runner import run_model
from lastfm_recs.sample_data import generate_dataset
from lastfm_recs.warehouse_io import load_scoring_inputs


def dbt_build(workdir: Path, data_dir: Path, dbt_vars: dict | None = None, *args: str,
              paths_as_given: bool = False) -> subprocess.CompletedProcess:
    """`dbt build` of data_dir into workdir/lastfm.duckdb (and its serving file)."""
    return run_dbt(workdir, "build", *args, data_dir=data_dir, dbt_vars=dbt_vars, paths_as_given=paths_as_given)


def built(workdir: Path, data_dir: Path, dbt_vars: dict | None = None) -> duckdb.DuckDBPyConnection:
    result = dbt_build(workdir, data_dir, dbt_vars)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    return duckdb.connect(str(workdir / "lastfm.duckdb"), read_only=True)


def recommendation_lists(con) -> dict[str, list[tuple[str, float]]]:
    rows = con.sql("select user_id, artist_mbid, score from recommendations order by user_id, rank").fetchall()
    lists: dict[str, list[tuple[str, float]]] = {}
    for user, mbid, score in rows:
        lists.setdefault(user, []).append((mbid, score))
    return lists


def assert_same_recommendations(actual, expected, tied_users) -> None:
    """Same lists per user: scores equal to rounding, artists equal except
    where scores tie (either order is right); users whose k-th neighbour ties
    with the next are skipped (either neighbour is right)."""
    checked = 0
    for user, exp in expected.items():
        if user in tied_users:
            continue
        act = actual.get(user, [])
        assert len(act) == len(exp), f"{user}: {len(act)} recommendations, expected {len(exp)}"
        exp_scores = np.array([s for _, s in exp])
        np.testing.assert_allclose([s for _, s in act], exp_scores, rtol=1e-9, atol=1e-15, err_msg=user)
        for rank, ((a_mbid, _), (e_mbid, e_score)) in enumerate(zip(act, exp), start=1):
            if a_mbid != e_mbid:
                ties = np.isclose(exp_scores, e_score, rtol=1e-9, atol=1e-15).sum()
                assert ties > 1 or rank == len(exp), f"{user} rank {rank}: {a_mbid} instead of {e_mbid}"
        checked += 1
    assert checked >= 0.95 * len(expected), f"only {checked} of {len(expected)} users without ties"
    assert set(actual) <= set(expected)


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory):
    """The sample built with the seed model of docs/spec.md (var model: user_knn)."""
    con = built(tmp_path_factory.mktemp("sample"), SAMPLE, {"model": "user_knn"})
    yield con
    con.close()


@pytest.fixture(scope="module")
def sample_reference():
    return spec.build(SAMPLE)


def test_sample_recommendations_follow_the_spec(sample_warehouse, sample_reference):
    expected, tied = spec.recommendations(sample_reference, k=99, top_n=20)
    assert_same_recommendations(recommendation_lists(sample_warehouse), expected, tied)


def test_sample_marts_match_the_reference(sample_warehouse, sample_reference):
    ref = sample_reference
    con = sample_warehouse
    assert con.sql("select count(*) from users").fetchall()[0][0] == len(ref.users)
    assert sorted(r[0] for r in con.sql("select artist_mbid from artists").fetchall()) == ref.artists
    cold = {r[0] for r in con.sql("select user_id from users where is_cold").fetchall()}
    assert cold == {u for u, c in zip(ref.users, ref.cold) if c}
    assert cold, "the sample must have cold users"
    ages = dict(con.sql("select user_id, age_scaled from users").fetchall())
    np.testing.assert_allclose([ages[u] for u in ref.users], ref.age_scaled, atol=1e-12)
    # every cold user gets recommendations (they have heard nothing)
    served = {r[0] for r in con.sql("select distinct user_id from recommendations").fetchall()}
    assert cold <= served


def test_every_raw_line_is_accounted_for(sample_warehouse):
    con = sample_warehouse
    for file in (spec.PLAYS_FILE, spec.PROFILE_FILE):
        lines = len(spec.raw_lines(SAMPLE / file))
        read, accepted, rejected, out_of_scope = con.sql(
            "select lines_read, lines_accepted, lines_rejected, lines_out_of_scope "
            "from load_summary where source_file = ?",
            params=[file],
        ).fetchall()[0]
        assert read == lines
        assert accepted + rejected + out_of_scope == lines
        assert con.sql("select count(*) from rejects where source_file = ?", params=[file]).fetchall()[0][0] == rejected
    reasons = " | ".join(r[0] for r in con.sql("select distinct reject_reason from rejects").fetchall())
    for kind in [
        "empty line",
        "wrong field count",
        "plays is not an integer",
        "plays <= 0",
        "user has no profile",
        "empty artist MBID",
        "duplicate profile",
    ]:
        assert kind in reasons, f"the sample has no '{kind}' reject"


def test_another_data_dir_with_vars_follows_the_spec(tmp_path):
    data = tmp_path / "raw"
    generate_dataset(data, n_users=400, seed=7)
    dbt_vars = {"model": "user_knn", "gender": "f", "sample_fraction": 0.7, "sample_seed": 3, "neighbors": 10,
                "top_n": 5}
    con = built(tmp_path, data, dbt_vars)
    ref = spec.build(data, gender="f", sample_fraction=0.7, sample_seed=3)
    users = {r[0] for r in con.sql("select user_id from users").fetchall()}
    assert users == set(ref.users)
    assert {r[0] for r in con.sql("select distinct gender from users").fetchall()} == {"f"}
    expected, tied = spec.recommendations(ref, k=10, top_n=5)
    assert_same_recommendations(recommendation_lists(con), expected, tied)
    assert con.sql("select max(rank) from recommendations").fetchall()[0][0] == 5


def project_vars() -> dict:
    return yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]


def test_the_default_build_uses_the_configured_model(tmp_path):
    """Without vars, `recommendations` holds the lists of var model with
    var model_params - the same as running that model of the package on the
    warehouse's arrays - and every user in scope, cold ones included, gets
    top_n of them."""
    config = project_vars()
    con = built(tmp_path, SAMPLE)
    assert config["model"] != "user_knn"  # the default is the best of the evaluation
    inputs = load_scoring_inputs(
        con.table("int_users_featured"), con.table("int_artists_deduplicated_by_mbid"),
        con.table("int_plays_normalised"), con.table("int_cold_user_baseline"),
    )
    run = run_model(config["model"], inputs, np.arange(inputs.plays.shape[0]), 20, 0,
                    configured_params(config["model_params"], config["neighbors"]))
    index = con.sql("select user_index, user_id from int_users_in_scope").fetchall()
    mbid = dict(con.sql("select artist_index, artist_mbid from int_artists_deduplicated_by_mbid").fetchall())
    user_of = dict(index)
    expected = [(user_of[u], int(r), mbid[a]) for u, r, a in zip(*run.recommendations[:3])]
    got = con.sql("select user_id, rank, artist_mbid from recommendations").fetchall()
    assert sorted(got) == sorted(expected)
    per_user = con.sql("select min(n), max(n) from (select count(*) as n from recommendations group by user_id)")
    assert per_user.fetchall() == [(20, 20)]
    assert con.sql("select count(distinct user_id) from recommendations").fetchall() == [(len(index),)]


def test_an_unknown_model_fails_naming_the_known_ones(tmp_path):
    result = dbt_build(tmp_path, SAMPLE, {"model": "svd"}, "--select", "+int_recommendations_scored")
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "unknown model(s) ['svd']" in out and "user_knn" in out and "hybrid" in out


def test_missing_raw_files_fail_at_once_naming_the_path(tmp_path):
    missing = tmp_path / "nowhere"
    result = dbt_build(tmp_path, missing, paths_as_given=True)
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert str(missing) in out
    assert spec.PLAYS_FILE in out and spec.PROFILE_FILE in out
    assert "START sql table model" not in out  # nothing ran
    (tmp_path / "partial").mkdir()
    (tmp_path / "partial" / spec.PROFILE_FILE).write_text("u\tm\t20\tPoland\t\n")
    result = dbt_build(tmp_path, tmp_path / "partial", paths_as_given=True)
    assert result.returncode != 0
    assert f"{tmp_path / 'partial'}/{spec.PLAYS_FILE}" in result.stdout + result.stderr
