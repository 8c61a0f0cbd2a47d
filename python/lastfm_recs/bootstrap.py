"""Bootstrap intervals over users for the evaluation's metrics, and the
paired comparison of the default model with every other.

Replicate b draws the n evaluated users n times with replacement (counts
c_b(u), multinomial, seeded); the same draws serve every model, K and
metric, so two models are compared on the same resampled users (paired).
Per replicate, as eval_metrics computes them over the drawn users:

    mean metrics (precision, recall, ndcg, map, hit_rate)
                 m_b = sum_u c_b(u) m(u) / n
    novelty      sum_u c_b(u) self_information(u) / sum_u c_b(u) recommended(u)
    coverage     |artists recommended at rank <= K to a user with c_b(u) > 0| / catalogue

The interval is the 2.5th and 97.5th percentile of the replicates (a 95%
percentile interval). The paired difference of models A and B on a metric is
the same with m_A(u) - m_B(u) per user; A beats B by more than the noise
when the interval's low end is above 0.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import scipy.sparse as sp

#: Mean-over-users metrics (user column in int_eval_user_metrics -> metric).
MEAN_METRICS = {"precision": "precision", "recall": "recall", "ndcg": "ndcg",
                "average_precision": "map", "is_hit": "hit_rate"}
#: Replicates drawn at once.
REPLICATE_CHUNK = 100


def replicate_counts(n_users: int, replicates: int, seed: int) -> Iterator[np.ndarray]:
    """Chunks (<= REPLICATE_CHUNK, n_users) of the draw counts c_b(u), the
    same sequence for the same seed."""
    rng = np.random.default_rng(seed)
    for start in range(0, replicates, REPLICATE_CHUNK):
        size = min(REPLICATE_CHUNK, replicates - start)
        yield rng.multinomial(n_users, np.full(n_users, 1.0 / n_users), size=size).astype(np.float64)


def interval(values: np.ndarray) -> tuple[float, float]:
    """The 95% percentile interval of the replicate values."""
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def bootstrap_metrics(user_metrics: Mapping[str, np.ndarray], recommended_artists: sp.csr_matrix | None,
                      catalogue: int, replicates: int, seed: int) -> dict[str, np.ndarray]:
    """Replicate values (replicates,) of each metric of one model at one K.

    user_metrics: per evaluated user (same order for every model), the
    columns of MEAN_METRICS plus self_information and recommended.
    recommended_artists: (n_users, A) CSR, nonzero where the user got the
    artist at rank <= K (None: coverage not bootstrapped).
    """
    n = len(next(iter(user_metrics.values())))
    out: dict[str, list[np.ndarray]] = {}
    indicator = None if recommended_artists is None else sp.csr_matrix(recommended_artists > 0, dtype=np.float64)
    for counts in replicate_counts(n, replicates, seed):
        for column, metric in MEAN_METRICS.items():
            out.setdefault(metric, []).append(counts @ np.asarray(user_metrics[column], dtype=np.float64) / n)
        listed = counts @ np.asarray(user_metrics["recommended"], dtype=np.float64)
        information = counts @ np.asarray(user_metrics["self_information"], dtype=np.float64)
        out.setdefault("novelty", []).append(
            np.divide(information, listed, out=np.full(len(counts), np.nan), where=listed > 0))
        if indicator is not None:
            drawn = (counts > 0).astype(np.float64)
            covered = np.asarray((indicator.T @ drawn.T) > 0).sum(axis=0)
            out.setdefault("coverage", []).append(covered / catalogue)
    return {metric: np.concatenate(parts) for metric, parts in out.items()}


def paired_differences(first: Mapping[str, np.ndarray], second: Mapping[str, np.ndarray], replicates: int,
                       seed: int) -> dict[str, tuple[float, float, float]]:
    """Per mean metric: (difference of means first - second, interval low,
    interval high) over the same resampled users."""
    out = {}
    for column, metric in MEAN_METRICS.items():
        diff = np.asarray(first[column], dtype=np.float64) - np.asarray(second[column], dtype=np.float64)
        n = len(diff)
        values = np.concatenate([counts @ diff / n for counts in replicate_counts(n, replicates, seed)])
        out[metric] = (float(diff.mean()), *interval(values))
    return out
