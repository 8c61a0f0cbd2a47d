"""lastfm_recs.tuned_params: the tuned block of dbt_project.yml rewritten
from a run's tables, the rest of the file left as it was."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from lastfm_recs import tuned_params

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def run_db(tmp_path) -> Path:
    db = tmp_path / "run.duckdb"
    with duckdb.connect(str(db)) as con:
        con.sql("""create table eval_tuning as select * from (values
            ('ease', 1, '{"l2": 100.0}', 10, 'ndcg', 0.30, 900, false),
            ('ease', 2, '{"l2": 2000.0}', 10, 'ndcg', 0.31, 900, true),
            ('hybrid', 1, '{"candidates": 50, "weights": {"ease": 1.0}}', 10, 'ndcg', 0.32, 900, true)
        ) t(model, trial, params, k, metric, value, users, is_chosen)""")
        con.sql("""create table eval_metrics as select * from (values
            ('hybrid', 10, 'ndcg', 0.35, 1000), ('ease', 10, 'ndcg', 0.34, 1000),
            ('als', 10, 'ndcg', 0.30, 1000), ('ease', 20, 'ndcg', 0.99, 1000)
        ) t(model, k, metric, value, users)""")
        con.sql("create table int_users_featured as select range as user_index from range(1234)")
        con.sql("""create table int_play_rows_triaged as
            select case when range < 5678 then 'accepted' else 'rejected' end as status from range(6000)""")
    return db


def test_the_block_is_rewritten_and_nothing_else(run_db, tmp_path):
    project = tmp_path / "dbt_project.yml"
    shutil.copy(REPO / "dbt_project.yml", project)
    before = project.read_text()
    assert tuned_params.main(
        ["--db", str(run_db), "--data-dir", str(tmp_path / "data"), "--project", str(project)]
    ) == 0
    after = project.read_text()
    head, tail = before.split(tuned_params.BEGIN)[0], before.split(tuned_params.END)[1]
    assert after.startswith(head) and after.endswith(tail)  # outside the markers: byte for byte
    config = yaml.safe_load(after)["vars"]
    assert config["model"] == "hybrid"  # best NDCG@10 on the test holdout, not @20
    old = yaml.safe_load(before)["vars"]["model_params"]
    assert config["model_params"] == {**old, "ease": {"l2": 2000.0},
                                      "hybrid": {"candidates": 50, "weights": {"ease": 1.0}}}
    assert config["model_params_tuned"] == {
        "date": dt.date.today().isoformat(), "data": "data", "users_in_scope": 1234, "play_rows": 5678,
        "validation_users": 900}
    assert "hybrid 0.3500, ease 0.3400, als 0.3000" in after
    # a second run gives the same file
    assert tuned_params.main(
        ["--db", str(run_db), "--data-dir", str(tmp_path / "data"), "--project", str(project)]
    ) == 0
    assert project.read_text() == after


def test_missing_tables_and_markers_are_explained(run_db, tmp_path, capsys):
    project = tmp_path / "dbt_project.yml"
    project.write_text("vars:\n  model: ease\n")
    assert tuned_params.main(["--db", str(run_db), "--data-dir", "x", "--project", str(project)]) == 1
    assert "expected one '# BEGIN tuned parameters' line" in capsys.readouterr().err
    assert tuned_params.main(["--db", str(tmp_path / "none.duckdb"), "--data-dir", "x", "--project", str(project)]) == 1
    assert "run `make evaluate` first" in capsys.readouterr().err
