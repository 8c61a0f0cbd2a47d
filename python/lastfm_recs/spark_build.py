"""`make build-spark`: the whole build on Apache Spark in one process.

    python -m lastfm_recs.spark_build [dbt arguments, e.g. --vars '{model: user_knn}']

1. ``dbt build --target spark`` of everything before the scoring (staging,
   intermediate, the marts that do not need recommendations, their tests);
2. the PySpark scoring step (lastfm_recs.spark_scoring) in the same Spark
   session, writing int_recommendations_scored;
3. ``dbt build --target spark`` of what reads it (source spark_scoring:
   the recommendations mart and its tests).

The vars are checked first, with the rules of a DuckDB build
(lastfm_recs.project_vars; the on-run-start check there calls the DuckDB
plugin). One process, so the Spark session (and its JVM) starts once. Prints the
wall time of each step (benchmarks/bench_spark.py reads these lines).
Exits non-zero when a step fails.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import yaml

from lastfm_recs.project_vars import VarError, check_project_vars

#: dbt arguments of both dbt steps: the spark target; unit tests pin the
#: business rules on DuckDB (their SQL fixtures are DuckDB SQL).
_DBT_COMMON = ["--target", "spark", "--exclude-resource-type", "unit_test"]
_SCORED = "source:spark_scoring+"


def _dbt(args: list[str]):
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(args)
    if not result.success:
        detail = f": {result.exception}" if result.exception else ""
        raise SystemExit(f"spark_build: dbt {' '.join(args)} failed{detail}")
    return result


def project_vars(dbt_args: list[str], project_file: Path = Path("dbt_project.yml")) -> dict:
    """The vars a dbt command with ``dbt_args`` sees: dbt_project.yml's,
    overridden by those of ``--vars`` (YAML or JSON, as dbt reads them)."""
    values = dict(yaml.safe_load(project_file.read_text())["vars"])
    for i, arg in enumerate(dbt_args):
        if arg == "--vars" and i + 1 < len(dbt_args):
            values.update(yaml.safe_load(dbt_args[i + 1]) or {})
        elif arg.startswith("--vars="):
            values.update(yaml.safe_load(arg.split("=", 1)[1]) or {})
    return values


def _step(name: str, seconds: float) -> None:
    print(f"spark_build step {name}: {seconds:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    dbt_args = list(sys.argv[1:] if argv is None else argv)
    # Spark's Python workers: this interpreter (the venv with numpy, scipy,
    # pandas), not whatever python3 is first on the PATH
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    total = time.perf_counter()
    try:
        check_project_vars(project_vars(dbt_args))
    except VarError as error:
        raise SystemExit(f"spark_build: {error}") from None

    start = time.perf_counter()
    before = _dbt(["build", *_DBT_COMMON, "--exclude", _SCORED, *dbt_args])
    _step("dbt staging+intermediate+marts", time.perf_counter() - start)
    schema = next(r.node.schema for r in before.result.results if r.node.resource_type == "model")

    from pyspark.sql import SparkSession

    from lastfm_recs.spark_scoring import run_scoring_step

    # the session dbt-spark started (in dbt's thread: the default session,
    # not this thread's active one); getOrCreate returns it as it is
    spark = SparkSession.builder.getOrCreate()
    start = time.perf_counter()
    rows = run_scoring_step(spark, schema, progress=lambda line: print(f"spark_scoring: {line}", flush=True))
    _step(f"scoring ({rows:,} recommendations)", time.perf_counter() - start)

    start = time.perf_counter()
    _dbt(["build", *_DBT_COMMON, "--select", _SCORED, *dbt_args])
    _step("dbt recommendations", time.perf_counter() - start)
    _step("total", time.perf_counter() - total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
