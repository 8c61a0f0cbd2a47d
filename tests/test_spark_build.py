"""make build-spark checks the vars before Spark starts, with the rules of a
DuckDB build (the DuckDB build's on-run-start check needs the DuckDB plugin)."""
from pathlib import Path

import pytest

from lastfm_recs import spark_build

REPO = Path(__file__).resolve().parents[1]


def test_vars_are_the_project_ones_overridden_by_the_command_line():
    values = spark_build.project_vars(["--select", "x", "--vars", "{model: user_knn, top_n: 5}"],
                                      REPO / "dbt_project.yml")
    assert values["model"] == "user_knn" and values["top_n"] == 5
    assert values["neighbors"] == 99  # dbt_project.yml's default, untouched
    assert spark_build.project_vars(["--vars={top_n: 7}"], REPO / "dbt_project.yml")["top_n"] == 7


def test_a_bad_var_stops_the_spark_build_before_dbt_naming_it(monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(spark_build, "_dbt", lambda args: pytest.fail("dbt ran despite a bad var"))
    with pytest.raises(SystemExit, match="var top_n: expected an integer"):
        spark_build.main(["--vars", "{top_n: abc}"])
