"""Builds datasets on Spark in one process (one Spark start-up) for
test_same_answers.py, and exports what the test compares as Parquet files.

    python tests_spark/spark_runner.py OUT_DIR NAME=DATA_DIR [NAME=DATA_DIR ...] -- [dbt arguments]

For each dataset: ``lastfm_recs.spark_build`` (the whole Spark build, with
the dbt arguments), then the user_knn lists scored on Spark in the same
session, then OUT_DIR/NAME/<table>.parquet for the marts and index tables.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

EXPORTED = ("recommendations", "users", "artists", "load_summary", "rejects",
            "int_users_in_scope", "int_artists_deduplicated_by_mbid")


def main(argv: list[str]) -> int:
    split = argv.index("--") if "--" in argv else len(argv)
    out, datasets, dbt_args = Path(argv[0]), argv[1:split], argv[split + 1:]
    from pyspark.sql import SparkSession

    from lastfm_recs import spark_build
    from lastfm_recs.spark_scoring import SCORING_TABLES, load_inputs, score
    from lastfm_recs.warehouse_io import configured_params

    for item in datasets:
        name, data_dir = item.split("=", 1)
        os.environ["LASTFM_DATA_DIR"] = data_dir
        spark_build.main(["--no-partial-parse", *dbt_args])
        spark = SparkSession.getActiveSession()
        target = out / name
        target.mkdir(parents=True, exist_ok=True)
        for table in EXPORTED:
            spark.table(f"lastfm_recs.{table}").toPandas().to_parquet(target / f"{table}.parquet")
        config = spark.table("lastfm_recs.int_scoring_config").first()
        params = configured_params(config["model_params"], int(config["neighbors"]))
        inputs = load_inputs(*(spark.table(f"lastfm_recs.{t}") for t in SCORING_TABLES))
        lists = score(spark, inputs, "user_knn", params, int(config["neighbors"]), int(config["top_n"]))
        lists.toPandas().to_parquet(target / "user_knn.parquet")
        print(f"spark_runner: {name} exported to {target}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
