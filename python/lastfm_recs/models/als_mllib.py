"""als_mllib: Apache Spark MLlib's ALS with implicit preferences, the
distributed anchor of the evaluation (docs/spark.md, docs/evaluation.md)::

    r(u, a)   = w(u, a) / (mean of w over the played pairs), w the weighted
                plays (as in als)
    c(u, a)   = 1 + alpha * r(u, a),  p(u, a) = [r(u, a) > 0]
    X, Y      = argmin sum over all (u, a) of c(u, a) (p(u, a) - x_u . y_a)^2
                + regularization (sum_u n_u ||x_u||^2 + sum_a n_a ||y_a||^2),
                n the number of played pairs of each user and artist (MLlib's
                ALS-WR scaling: its regularization is not implicit's),
                ``factors`` columns, ``iterations`` sweeps (artists given
                users, then users given artists), MLlib's seeded start
    s(u, a)   = x_u . y_a

Fitted by the same function as the Spark build's als
(spark_scoring.fit_mllib_als), on the active Spark session or a local one
(SPARK_MASTER, default local[2]); scored as als (models.als.FactorModel).
Users without plays get no factors, hence no list (as als). Needs pyspark
(requirements-spark.txt, `make venv-spark`); the default install stays
without it, so this model is in no default list.
"""
from __future__ import annotations

import numpy as np

from lastfm_recs.blocks import Progress, ProgressReporter
from lastfm_recs.checks import check_choice, check_count, check_number
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.models.als import FactorModel
from lastfm_recs.weighting import WEIGHTINGS


def fit_als_mllib(inputs: ScoringInputs, rng: np.random.Generator, *, factors: int = 64,
                  regularization: float = 0.01, alpha: float = 1.0, iterations: int = 15,
                  weighting: str = "binary", progress: Progress | None = None) -> FactorModel:
    """als_mllib (module docstring)."""
    from lastfm_recs import spark_scoring  # imported here: only this model needs Spark

    factors = check_count("factors", factors, 1)
    iterations = check_count("iterations", iterations, 1)
    regularization = check_number("regularization", regularization, 0.0)
    alpha = check_number("alpha", alpha, 0.0)
    check_choice("weighting", weighting, WEIGHTINGS)
    report = ProgressReporter(progress, "als_mllib: fitting on Spark", 1, unit="fits")
    spark = spark_scoring.spark_session("lastfm-recs als_mllib")
    fitted, item_factors = spark_scoring.fit_mllib_als(
        spark, inputs.plays, factors=factors, regularization=regularization, alpha=alpha,
        iterations=iterations, weighting=weighting, seed=int(rng.integers(2**31 - 1)))
    user_factors = spark_scoring.factor_array(fitted.userFactors, inputs.plays.shape[0], factors)
    report.update(1, 1.0)
    report.finish()
    return FactorModel(user_factors=user_factors, item_factors=item_factors, seen=inputs.plays, progress=progress,
                       name="als_mllib")
