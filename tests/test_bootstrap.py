"""Bootstrap intervals against explicit resampling (the drawn users listed
one by one) and against the normal approximation of a mean's interval."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from lastfm_recs.bootstrap import bootstrap_metrics, interval, paired_differences, replicate_counts

COLUMNS = ("precision", "recall", "ndcg", "average_precision", "is_hit")


def user_table(seed: int, n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    table = {c: rng.random(n) for c in COLUMNS}
    table["is_hit"] = (table["is_hit"] > 0.4).astype(float)
    table["recommended"] = rng.integers(0, 4, n).astype(float)
    table["self_information"] = table["recommended"] * rng.random(n) * 5
    return table


def test_replicates_equal_the_metrics_of_explicitly_resampled_users():
    n, replicates = 40, 250
    users = user_table(1, n)
    rng = np.random.default_rng(2)
    lists = [sorted(set(rng.integers(0, 30, 3))) for _ in range(n)]
    recommended = sp.lil_matrix((n, 30))
    for u, artists in enumerate(lists):
        recommended[u, artists] = 1
    values = bootstrap_metrics(users, recommended.tocsr(), 50, replicates, seed=7)
    draws = np.concatenate(list(replicate_counts(n, replicates, 7)))
    assert draws.shape == (replicates, n) and (draws.sum(axis=1) == n).all()
    for b in (0, 99, 100, 249):
        drawn = np.repeat(np.arange(n), draws[b].astype(int))  # the resampled users, one by one
        assert np.isclose(values["ndcg"][b], np.mean([users["ndcg"][u] for u in drawn]))
        assert np.isclose(values["map"][b], np.mean([users["average_precision"][u] for u in drawn]))
        assert np.isclose(values["hit_rate"][b], np.mean([users["is_hit"][u] for u in drawn]))
        assert np.isclose(values["novelty"][b], sum(users["self_information"][u] for u in drawn)
                          / sum(users["recommended"][u] for u in drawn))
        assert np.isclose(values["coverage"][b], len({a for u in drawn for a in lists[u]}) / 50)
    again = bootstrap_metrics(users, recommended.tocsr(), 50, replicates, seed=7)
    assert all(np.array_equal(values[m], again[m]) for m in values)


def test_interval_of_a_mean_matches_the_normal_approximation():
    n = 2000
    users = user_table(3, n)
    low, high = interval(bootstrap_metrics(users, None, 1, 2000, seed=0)["ndcg"])
    mean, half = users["ndcg"].mean(), 1.96 * users["ndcg"].std() / np.sqrt(n)
    assert abs(low - (mean - half)) < 0.2 * half and abs(high - (mean + half)) < 0.2 * half


def test_paired_difference_uses_the_same_users():
    n = 300
    first = user_table(4, n)
    second = {c: v.copy() for c, v in first.items()}
    second["ndcg"] = first["ndcg"] - 0.01 + np.random.default_rng(5).normal(0, 0.001, n)
    result = paired_differences(first, second, 500, seed=1)
    difference, low, high = result["ndcg"]
    assert np.isclose(difference, np.mean(first["ndcg"] - second["ndcg"]))
    # paired: the noise is that of the small per-user differences, far below
    # that of either mean (about 0.016 here), so the interval excludes 0
    assert 0.0097 < low < difference < high < 0.0103 and high - low < 0.0005
    draws = np.concatenate(list(replicate_counts(n, 500, 1)))
    naive = [np.mean([(first["ndcg"] - second["ndcg"])[u] for u in np.repeat(np.arange(n), d.astype(int))])
             for d in draws]
    assert np.allclose((low, high), np.percentile(naive, [2.5, 97.5]))
    assert result["precision"] == (0.0, 0.0, 0.0)
