"""lastfm_recs.models.als_mllib (Spark MLlib's ALS, local Spark) against its
objective: after the last sweep every user's factors solve the ALS-WR normal
equations given the artists' factors, solved here in plain numpy from the
raw plays; and its lists against a loop (tests/model_inputs.py)."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from lastfm_recs import spark_scoring
from lastfm_recs.models.als_mllib import fit_als_mllib
from model_inputs import as_lists, assert_same_lists, inputs_from, naive_lists, random_plays


@pytest.mark.parametrize("weighting,alpha,regularization", [("binary", 1.0, 0.1), ("log", 5.0, 0.02)])
def test_user_factors_solve_the_als_wr_normal_equations(weighting, alpha, regularization):
    plays = random_plays(3, 20, 12, density=0.3, cold=[5])
    model = fit_als_mllib(inputs_from(plays), np.random.default_rng(2), factors=3, regularization=regularization,
                          alpha=alpha, iterations=8, weighting=weighting)
    played = plays > 0
    w = np.where(played, 1.0 if weighting == "binary" else np.log1p(plays), 0.0)
    confidence = 1.0 + alpha * w / w[played].mean()  # 1 where not played (w = 0)
    y = model.item_factors.astype(float)
    for u in range(20):
        if not played[u].any():
            assert not model.user_factors[u].any(), "a user without plays has no factors"
            continue
        a = (y.T * confidence[u]) @ y + regularization * played[u].sum() * np.eye(3)
        x = np.linalg.solve(a, (y.T * confidence[u]) @ played[u])
        np.testing.assert_allclose(model.user_factors[u], x, rtol=2e-3, atol=2e-5, err_msg=f"user {u}")
    scores = model.user_factors.astype(float) @ y.T
    expected = naive_lists(scores, played, range(20), 4)
    assert_same_lists(as_lists(model.recommend(np.arange(20), 4)), expected, rel=1e-5)
    assert 5 not in expected


def test_without_pyspark_it_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # import pyspark.sql -> ImportError
    with pytest.raises(RuntimeError, match=r"pyspark: run `make venv-spark`"):
        spark_scoring.spark_session()


def test_parameters_are_checked_before_spark_starts():
    inputs = inputs_from(random_plays(4, 6, 5))
    with pytest.raises(ValueError, match="factors: expected an integer >= 1, found 0"):
        fit_als_mllib(inputs, np.random.default_rng(0), factors=0)
    with pytest.raises(ValueError, match="weighting"):
        fit_als_mllib(inputs, np.random.default_rng(0), weighting="none")


def test_many_sweeps_are_checkpointed_instead_of_overflowing_the_stack():
    """Without checkpoints, 40 sweeps' lineage overflowed a task thread's
    stack while deserialising and killed the JVM (every later Spark call:
    connection refused); with them the fit ends, and its user factors still
    solve the normal equations at the last sweep (checked as above, one user)."""
    plays = random_plays(7, 30, 10, density=0.3)
    model = fit_als_mllib(inputs_from(plays), np.random.default_rng(3), factors=2, regularization=0.1,
                          iterations=40)
    played = plays > 0
    y = model.item_factors.astype(float)
    confidence = 1.0 + played / 1.0  # binary weighting, alpha 1: r = 1 on every played pair
    a = (y.T * confidence[0]) @ y + 0.1 * played[0].sum() * np.eye(2)
    np.testing.assert_allclose(model.user_factors[0], np.linalg.solve(a, (y.T * confidence[0]) @ played[0]),
                               rtol=2e-3, atol=2e-5)


class _Context:
    def __init__(self, master, checkpoint_dir=None):
        self.master, self.checkpoint_dir = master, checkpoint_dir

    def getCheckpointDir(self):  # noqa: N802 (pyspark's name)
        return self.checkpoint_dir

    def setCheckpointDir(self, directory):  # noqa: N802
        self.checkpoint_dir = directory


class _Session:
    def __init__(self, context):
        self.sparkContext = context


def test_the_checkpoint_directory_is_kept_configured_or_refused_on_a_cluster(monkeypatch, tmp_path):
    monkeypatch.delenv("SPARK_CHECKPOINT_DIR", raising=False)
    assert spark_scoring.ensure_checkpoint_dir(_Session(_Context("local[2]", "hdfs:///mine"))) == "hdfs:///mine"
    local = spark_scoring.ensure_checkpoint_dir(_Session(_Context("local[2]")))
    assert "lastfm-recs-spark-checkpoints-" in local
    with pytest.raises(RuntimeError, match=r"spark://h:7077 needs a checkpoint directory .* SPARK_CHECKPOINT_DIR"):
        spark_scoring.ensure_checkpoint_dir(_Session(_Context("spark://h:7077")))
    monkeypatch.setenv("SPARK_CHECKPOINT_DIR", str(tmp_path))
    assert spark_scoring.ensure_checkpoint_dir(_Session(_Context("spark://h:7077"))) == str(tmp_path)
