"""Builds datasets on Spark in one process (one Spark start-up) for
test_same_answers.py, and exports what the test compares as Parquet files.

    python tests/spark_runner.py OUT_DIR NAME=DATA_DIR [NAME=DATA_DIR ...] -- [dbt arguments]

For each dataset: ``lastfm_recs.spark_build`` (the whole Spark build, with
the dbt arguments), then the user_knn lists scored on Spark in the same
session, then OUT_DIR/NAME/<table>.parquet for the marts and index tables,
and md5.parquet: the sampling hash (macro md5_number_mod) of every user.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

EXPORTED = ("recommendations", "users", "artists", "load_summary", "rejects",
            "int_users_in_scope", "int_artists_deduplicated_by_mbid")

#: md5_number_mod on Spark for every user in scope (compared with DuckDB's md5_number).
MD5_BUCKETS = ("select user_id, cast({{ md5_number_mod(\"'0:' || user_id\", 1000000) }} as bigint) as bucket "
               "from {{ ref('int_users_in_scope') }}")


def main(argv: list[str]) -> int:
    split = argv.index("--") if "--" in argv else len(argv)
    out, datasets, dbt_args = Path(argv[0]), argv[1:split], argv[split + 1:]
    import pandas as pd
    from dbt.cli.main import dbtRunner
    from pyspark.sql import SparkSession

    from lastfm_recs import spark_build
    from lastfm_recs.dbt_config import configured_params
    from lastfm_recs.spark_scoring import SCORING_TABLES, load_inputs, score

    for item in datasets:
        name, data_dir = item.split("=", 1)
        os.environ["LASTFM_DATA_DIR"] = data_dir
        spark_build.main(dbt_args)
        spark = SparkSession.getActiveSession()
        target = out / name
        target.mkdir(parents=True, exist_ok=True)
        for table in EXPORTED:
            spark.table(f"lastfm_recs.{table}").toPandas().to_parquet(target / f"{table}.parquet")
        config = spark.table("lastfm_recs.int_scoring_config").first()
        params = configured_params(json.loads(config["model_params"] or "{}"), int(config["neighbors"]))
        inputs = load_inputs(*(spark.table(f"lastfm_recs.{t}") for t in SCORING_TABLES))
        lists = score(spark, inputs, "user_knn", params, int(config["neighbors"]), int(config["top_n"]))
        lists.toPandas().to_parquet(target / "user_knn.parquet")
        # the sampling hash (var sample_fraction), on every user of the dataset
        shown = dbtRunner().invoke(["show", "--target", "spark", "--inline", MD5_BUCKETS, "--limit", "-1",
                                    *dbt_args])
        table = shown.result.results[0].agate_table
        pd.DataFrame([dict(zip(table.column_names, row)) for row in table.rows]).to_parquet(target / "md5.parquet")
        print(f"spark_runner: {name} exported to {target}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
