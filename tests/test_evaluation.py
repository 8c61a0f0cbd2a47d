"""The holdout evaluation end to end: what `make evaluate` runs (dbt build of
the evaluation models, with their unit tests, the leak test and the other
data tests) on the bundled sample into a temporary DuckDB file; the marts are
then checked against an independent recomputation in plain Python, and the
report is rendered from them."""
from __future__ import annotations

import hashlib
import json
import math
import shutil
import subprocess
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml

from dbt_runs import REPO, SAMPLE, run_dbt
from lastfm_recs import report
from lastfm_recs.tuning import expand_grid, params_json

MODELS = {"popularity", "random", "user_knn", "user_knn_plays_only", "profile_popularity", "item_knn",
          "user_knn_cosine", "als", "ease", "rp3beta", "ials", "ease_budget", "hybrid"}
PROJECT_VARS = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]
# A smaller search than the project's (which tests/test_tuning.py checks
# point by point): every model, several trials each, both grid forms.
TEST_GRID = {
    "profile_popularity": {"smoothing": [10.0, 50.0]},
    "item_knn": {"neighbors": [50, 200], "weighting": ["bm25", "binary"]},
    "user_knn_cosine": {"neighbors": [50], "profile_weight": [0.0, 0.2]},
    "als": [{"factors": [16, 64], "weighting": ["binary", "bm25"], "alpha": [1.0, 10.0]},
            {"factors": [8], "weighting": ["log"], "alpha": [3.0], "regularization": [0.01, 30.0]}],
    "ease": {"artists": [1000, 3000], "l2": [100.0, 1000.0], "country_weight": [0.0, 3.0]},
    "rp3beta": {"alpha": [0.8], "beta": [0.0, 0.3], "neighbors": [50]},
    "ials": {"factors": [16], "epochs": [6], "regularization": [0.003, 0.01, 0.03]},
    "ease_budget": {"memory_mb": [20.0], "l2": [100.0, 1000.0]},
    "hybrid": {"weights": [{"ease": 1.0, "profile_popularity": 0.1},
                           {"ease": 1.0, "item_knn": 0.3, "profile_popularity": 0.1}], "candidates": [50]},
}
METRICS = {"precision", "recall", "ndcg", "map", "hit_rate", "coverage", "novelty"}


def evaluate(workdir: Path, db: Path, dbt_vars: dict, select: str = "+tag:evaluation",
             data_dir: Path = SAMPLE) -> subprocess.CompletedProcess:
    """The dbt command of `make evaluate`, into db, artifacts under workdir."""
    result = run_dbt(workdir, "build", "--select", select, "--indirect-selection", "cautious",
                     data_dir=data_dir, dbt_vars={"evaluate": True, **dbt_vars}, db=db, timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return result


def statuses(workdir: Path) -> dict[str, str]:
    results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"]: r["status"] for r in results}


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("evaluation")
    db = workdir / "lastfm.duckdb"
    evaluate(workdir, db, {"tuning_grid": TEST_GRID})
    con = duckdb.connect(str(db), read_only=True)
    yield workdir, db, con
    con.close()


def rows(con, sql: str) -> list[tuple]:
    return con.sql(sql).fetchall()


def test_the_build_ran_the_leak_test_and_the_unit_tests(evaluated):
    workdir, _, _ = evaluated
    status = statuses(workdir)
    for leak_test in ("assert_eval_holdout_not_in_training", "assert_tuning_never_sees_the_test_holdout"):
        assert [s for uid, s in status.items() if uid.endswith(leak_test)] == ["pass"], leak_test
    units = {uid.rsplit(".", 1)[-1]: s for uid, s in status.items() if uid.startswith("unit_test.")}
    for name in [
        "int_eval_user_metrics_scores_lists_by_hand",
        "eval_metrics_averages_users_by_hand",
        "eval_metrics_by_segment_splits_users_by_hand",
        "int_eval_users_sampled_sizes_the_holdout",
        "int_eval_plays_training_leaves_out_the_holdout_and_renormalises",
    ]:
        assert units.get(name) == "pass", name
    # the full recommendations are not part of the evaluation run
    assert not any(uid.endswith(".int_recommendations_scored") for uid in status)


def drawn_pairs(con, plays_table: str, salt: str) -> set[tuple[str, str]]:
    """The split recomputed in plain Python: users of ``plays_table`` with >= 5
    artists, their artists ordered by md5('0:' || salt || user || ':' || mbid),
    the first round(0.2 n) (>= 1, < n) held out."""
    artists = defaultdict(list)
    for user, mbid in rows(con, f"select user_id, artist_mbid from {plays_table}"):
        artists[user].append(mbid)
    expected = set()
    for user, mbids in artists.items():
        n = len(mbids)
        if n < 5:
            continue
        size = min(n - 1, max(1, int((Decimal("0.2") * n).quantize(Decimal(1), ROUND_HALF_UP))))
        order = sorted(mbids, key=lambda m: (hashlib.md5(f"0:{salt}{user}:{m}".encode()).hexdigest(), m))
        expected |= {(user, m) for m in order[:size]}
    return expected


def test_holdout_is_20_percent_of_each_user_drawn_by_the_seed(evaluated):
    _, _, con = evaluated
    got = set(rows(con, "select user_id, artist_mbid from eval_holdout"))
    assert got == drawn_pairs(con, "int_plays_summed_by_artist", "")
    assert rows(con, "select bool_and(is_evaluated_user) from eval_holdout") == [(True,)]  # no cap on the sample


def test_no_held_out_pair_is_trained_on_and_none_recommended_is_seen(evaluated):
    _, _, con = evaluated
    training = set(rows(con, "select user_id, artist_mbid from int_eval_plays_training"))
    holdout = set(rows(con, "select user_id, artist_mbid from eval_holdout"))
    everything = set(rows(con, "select user_id, artist_mbid from int_plays_summed_by_artist"))
    assert not training & holdout
    assert training | holdout == everything
    recommended = set(rows(con, "select user_id, artist_mbid from eval_recommendations"))
    assert not recommended & training


def list_metrics(held: dict[str, set], lists: dict[tuple, list], keys, n_users: int,
                 listeners: dict[str, int], ks=(10, 20)) -> dict[tuple, float]:
    """Every metric of the lists of each key at each K, in plain Python:
    held: user -> held-out MBIDs; lists: (key, user) -> MBIDs in rank order;
    listeners: MBID -> training listeners (the catalogue)."""
    out = {}
    for key in keys:
        for k in ks:
            sums = defaultdict(float)
            recommended, bits, covered = 0, 0.0, set()
            for user, h in held.items():
                top = lists.get((key, user), [])[:k]
                hit_ranks = [r for r, m in enumerate(top, start=1) if m in h]
                sums["precision"] += len(hit_ranks) / k
                sums["recall"] += len(hit_ranks) / len(h)
                ideal = sum(1 / math.log2(r + 1) for r in range(1, min(k, len(h)) + 1))
                sums["ndcg"] += sum(1 / math.log2(r + 1) for r in hit_ranks) / ideal
                sums["map"] += sum((i + 1) / r for i, r in enumerate(hit_ranks)) / min(k, len(h))
                sums["hit_rate"] += bool(hit_ranks)
                recommended += len(top)
                bits += sum(-math.log2(listeners[m] / n_users) for m in top)
                covered |= set(top)
            for metric, total in sums.items():
                out[key, k, metric] = total / len(held)
            out[key, k, "novelty"] = bits / recommended
            out[key, k, "coverage"] = len(covered) / len(listeners)
    return out


def reference_metrics(con) -> dict[tuple[str, int, str], float]:
    """The metrics recomputed from eval_recommendations and eval_holdout."""
    held = defaultdict(set)
    for user, mbid in rows(con, "select user_id, artist_mbid from eval_holdout where is_evaluated_user"):
        held[user].add(mbid)
    lists = defaultdict(list)
    listed = "select model, user_id, artist_mbid from eval_recommendations order by model, user_id, rank"
    for model, user, mbid in rows(con, listed):
        lists[model, user].append(mbid)
    n_users = rows(con, "select count(*) from int_users_featured")[0][0]  # users in scope
    listeners = dict(rows(con, "select artist_mbid, count(*) from int_eval_plays_training group by all"))
    return list_metrics(held, lists, MODELS, n_users, listeners)


def test_metrics_match_an_independent_recomputation(evaluated):
    _, _, con = evaluated
    got = {(m, k, metric): v for m, k, metric, v in rows(con, "select model, k, metric, value from eval_metrics")}
    expected = reference_metrics(con)
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
    eligible = rows(con, "select count(*) from int_users_featured where artists >= 5")[0][0]
    assert rows(con, "select distinct users from eval_metrics") == [(eligible,)]


def test_metrics_are_in_range_and_the_models_beat_random(evaluated):
    _, _, con = evaluated
    value = {(m, k, metric): v for m, k, metric, v in rows(con, "select model, k, metric, value from eval_metrics")}
    assert {m for m, _, _ in value} == MODELS and {metric for _, _, metric in value} == METRICS
    for (m, k, metric), v in value.items():
        assert v >= 0 and (metric == "novelty" or v <= 1), (m, k, metric, v)
    for k in (10, 20):
        assert value["random", k, "precision"] < 0.01
        for model in MODELS - {"random"}:
            for metric in ("ndcg", "recall", "precision", "map", "hit_rate"):
                assert value[model, k, metric] > 5 * value["random", k, metric], (model, k, metric)
        # random is the most novel and covers the most; popularity the least
        assert value["random", k, "novelty"] == max(value[m, k, "novelty"] for m in MODELS)
        assert value["popularity", k, "coverage"] == min(value[m, k, "coverage"] for m in MODELS)
    for model in MODELS:  # more room, more hits
        assert value[model, 20, "recall"] >= value[model, 10, "recall"]
        assert value[model, 20, "hit_rate"] >= value[model, 10, "hit_rate"]


def test_segments_partition_the_evaluated_users(evaluated):
    _, _, con = evaluated
    users = rows(con, "select distinct users from eval_metrics")[0][0]
    per_type = rows(con, """
        select segment_type, model, k, metric, sum(users), sum(value * users)
        from eval_metrics_by_segment
        group by all
    """)
    overall = {(m, k, metric): v for m, k, metric, v in rows(con, "select model, k, metric, value from eval_metrics")}
    assert {t for t, *_ in per_type} == {"gender", "age_band", "country", "activity"}
    for segment_type, model, k, metric, n, weighted in per_type:
        assert n == users, segment_type
        if metric in ("precision", "recall", "ndcg", "map", "hit_rate"):  # user means add up
            assert weighted / n == pytest.approx(overall[model, k, metric], rel=1e-9), (segment_type, metric)
    segments = "select distinct segment from eval_metrics_by_segment where segment_type = "
    genders = {s for (s,) in rows(con, segments + "'gender'")}
    assert genders <= {"m", "f", "unknown"}
    countries = {s for (s,) in rows(con, segments + "'country'")}
    assert len(countries - {"other", "unknown"}) == 10 and "other" in countries


def test_the_report_renders(evaluated, tmp_path):
    _, db, con = evaluated
    out, png = tmp_path / "evaluation.html", tmp_path / "overview.png"
    assert report.main(["--db", str(db), "--out", str(out), "--png", str(png)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 3  # metrics by model, precision/recall, segments
    for text in [*MODELS, "K = 10", "K = 20", "by age band", "by gender", "by country", "by activity"]:
        assert text in page, text
    assert "<img" not in page and "src=" not in page  # self-contained
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for section in ("Models: parameters and cost", "Tuning on the validation split"):
        assert section in page, section
    table = report.markdown_table(report.load_tables(db)).splitlines()
    assert len(table) == 2 + len(MODELS) and all(f"| `{m}` |" in "\n".join(table) for m in MODELS)
    ndcg = dict(rows(con, "select model, value from eval_metrics where metric = 'ndcg' and k = 10"))
    assert table[2].startswith(f"| `{max(ndcg, key=ndcg.get)}` |")  # best first


def test_the_report_says_what_is_missing(tmp_path, capsys):
    assert report.main(["--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "x.html")]) == 1
    assert "make evaluate" in capsys.readouterr().err


def test_the_user_cap_and_the_model_list_leave_the_holdout_alone(evaluated, tmp_path):
    """eval_max_users evaluates a seeded subset; the held-out pairs (and so
    the training data) stay those of the uncapped run."""
    workdir, db, con = evaluated
    capped = tmp_path / "capped.duckdb"
    shutil.copy(db, capped)
    evaluate(tmp_path, capped, {"eval_max_users": 300, "eval_models": ["popularity", "random"]},
             select="tag:evaluation")
    with duckdb.connect(str(capped), read_only=True) as other:
        assert set(rows(other, "select user_id, artist_mbid from eval_holdout")) == set(
            rows(con, "select user_id, artist_mbid from eval_holdout"))
        assert rows(other, "select count(distinct user_id) from eval_holdout where is_evaluated_user") == [(300,)]
        assert rows(other, "select distinct model, users from eval_metrics order by model") == [
            ("popularity", 300), ("random", 300)]
        assert rows(other, "select count(distinct user_id) from eval_recommendations") == [(300,)]


def test_the_validation_split_is_drawn_from_the_training_data_by_the_seed(evaluated):
    """As the holdout, from the training data, with the salt 'validation:'."""
    _, _, con = evaluated
    expected = drawn_pairs(con, "int_eval_plays_training", "validation:")
    assert set(rows(con, "select user_id, artist_mbid from int_eval_validation_held_out")) == expected
    test_pairs = set(rows(con, "select user_id, artist_mbid from eval_holdout"))
    tuning = set(rows(con, "select user_id, artist_mbid from int_eval_tuning_training"))
    assert not expected & test_pairs and not tuning & test_pairs and not tuning & expected
    assert tuning | expected == set(rows(con, "select user_id, artist_mbid from int_eval_plays_training"))


def test_every_trial_of_the_grid_is_in_eval_tuning_and_the_best_is_chosen(evaluated):
    _, _, con = evaluated
    grid = TEST_GRID
    trials = defaultdict(list)
    for model, trial, params in rows(con, "select distinct model, trial, params from eval_tuning order by all"):
        trials[model].append((trial, params))
    assert set(trials) == set(grid) & MODELS
    for model, points in trials.items():
        assert points == [(i, params_json(p)) for i, p in enumerate(expand_grid(grid[model]), start=1)], model
    ndcg = rows(con, "select model, trial, value, is_chosen from eval_tuning where metric = 'ndcg' and k = 10")
    for model in trials:
        mine = sorted(((-v, t, c) for m, t, v, c in ndcg if m == model))
        assert mine[0][2] and not any(c for _, _, c in mine[1:]), model  # the best, ties to the smaller trial
    chosen = dict(rows(con, "select model, params from eval_tuning where is_chosen group by all"))
    used = {m: (p, src) for m, p, src in rows(con, "select model, params, params_source from eval_models")}
    for model in MODELS:
        if model in chosen:
            assert used[model] == (chosen[model], "tuned"), model
        else:
            assert used[model][1] == "model_params", model
    hybrid_components = json.loads(chosen["hybrid"])["weights"]
    assert set(hybrid_components) <= set(chosen)  # blends of tuned models


def test_chosen_parameters_at_the_edge_of_their_grid_are_flagged(evaluated):
    _, _, con = evaluated
    flagged = dict(rows(con, "select model, any_value(edge_warning) from eval_tuning where is_chosen group by model"))
    for model, params in rows(con, "select model, any_value(params) from eval_tuning where is_chosen group by model"):
        grid = TEST_GRID[model]
        grids = [grid] if isinstance(grid, dict) else grid
        expected = []
        for name, value in json.loads(params).items():
            tried = [part[name] for part in grids if name in part and len(part[name]) > 1
                     and all(isinstance(v, (int, float)) for v in part[name])]
            if len(tried) == 1 and value in (min(tried[0]), max(tried[0])):
                expected.append(name)
        assert sorted(expected) == sorted(w.split("=")[0] for w in (flagged[model] or "").split("; ") if w), model


def test_every_metric_has_a_bootstrap_interval_and_the_default_is_compared_paired(evaluated):
    from lastfm_recs.bootstrap import replicate_counts

    _, _, con = evaluated
    metrics = rows(con, "select model, k, metric, value, ci_low, ci_high from eval_metrics")
    assert metrics and all(low is not None and low <= high for _, _, _, _, low, high in metrics)
    for model, k, metric, value, low, high in metrics:
        if metric not in ("novelty", "coverage") and model != "random":
            assert low - 1e-12 <= value <= high + 1e-12, (model, k, metric)
        if metric == "coverage":  # a resample holds about 63% of the users: fewer artists
            assert high <= value + 1e-12, (model, k)
    # NDCG@10 of the default, re-drawn from the per-user figures
    default = PROJECT_VARS["model"]
    ndcg = [v for (v,) in rows(con, f"select ndcg from int_eval_user_metrics where model = '{default}' and k = 10 "
                                    "order by user_index")]
    counts = np.concatenate(list(replicate_counts(len(ndcg), PROJECT_VARS["eval_bootstrap_replicates"],
                                                  PROJECT_VARS["eval_seed"])))
    expected = np.percentile(counts @ np.array(ndcg) / len(ndcg), [2.5, 97.5])
    got = rows(con, f"select ci_low, ci_high from eval_metrics "
                    f"where model = '{default}' and k = 10 and metric = 'ndcg'")
    np.testing.assert_allclose(got[0], expected)
    comparison = rows(con, "select model, k, metric, default_value, value, difference, ci_low, ci_high, "
                           "is_runner_up, beats_beyond_noise, default_model from eval_default_comparison")
    assert {(m, k, metric) for m, k, metric, *_ in comparison} == {
        (m, k, metric) for m in MODELS - {default} for k in (10, 20)
        for metric in ("precision", "recall", "ndcg", "map", "hit_rate")}
    point = {(m, k, metric): v for m, k, metric, v, *_ in metrics}
    for model, k, metric, mine, theirs, difference, low, high, runner_up, beats, name in comparison:
        assert name == default and np.isclose(mine, point[default, k, metric])
        assert np.isclose(theirs, point[model, k, metric])
        assert np.isclose(difference, mine - theirs) and low <= difference <= high and beats == (low > 0)
        best = max((point[m, k, metric], m) for m in MODELS - {default})[1]
        assert runner_up == (model == best)


def test_trial_metrics_match_an_independent_recomputation(evaluated):
    _, _, con = evaluated
    held = defaultdict(set)
    for user, mbid in rows(con, "select user_id, artist_mbid from int_eval_validation_held_out where is_evaluated"):
        held[user].add(mbid)
    lists = defaultdict(list)
    for table in ("int_eval_tuning_scored", "int_eval_tuning_blends_scored"):
        for model, trial, user, mbid in rows(con, f"""
            select t.model, t.trial, u.user_id, a.artist_mbid
            from {table} t
            join int_users_featured u using (user_index)
            join int_artists_deduplicated_by_mbid a using (artist_index)
            order by t.model, t.trial, u.user_id, t.rank
        """):
            lists[(model, trial), user].append(mbid)
    keys = {key for key, _ in lists}
    n_users = rows(con, "select count(*) from int_users_featured")[0][0]  # users in scope
    listeners = dict(rows(con, "select artist_mbid, count(*) from int_eval_tuning_training group by all"))
    expected = list_metrics(held, lists, keys, n_users, listeners)
    trials = rows(con, "select model, trial, k, metric, value from eval_tuning")
    got = {((m, t), k, metric): v for m, t, k, metric, v in trials}
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


def test_the_tuning_never_depends_on_the_test_holdout(evaluated, tmp_path):
    """Multiply the plays of every test-held-out pair in the raw file: the
    holdout (drawn by md5 of user and MBID) and the training data stay the
    same, so every trial must score the same - the tuning never reads those
    plays. A few trials of the main grid are re-run on the changed data."""
    _, _, con = evaluated
    held_out = set(rows(con, "select user_id, artist_mbid from eval_holdout"))
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE / "usersha1-profile.tsv", raw)
    changed = 0
    with open(SAMPLE / "usersha1-artmbid-artname-plays.tsv", newline="", encoding="utf-8") as src, \
            open(raw / "usersha1-artmbid-artname-plays.tsv", "w", newline="", encoding="utf-8") as out:
        for line in src:
            fields = line.rstrip("\r\n").split("\t")
            if (len(fields) == 4 and (fields[0], fields[1].lower()) in held_out
                    and fields[3].isdigit() and int(fields[3]) > 0):
                end = line[len(line.rstrip("\r\n")):]
                line = "\t".join(fields[:3] + [str(int(fields[3]) * 7 + 3)]) + end
                changed += 1
            out.write(line)
    assert changed > 1000
    grid = {"ease": {"artists": [1000], "l2": [100.0, 1000.0], "country_weight": [3.0]},  # trials of TEST_GRID
            "als": {"factors": [16], "weighting": ["bm25"], "alpha": [10.0]},
            "item_knn": {"neighbors": [50], "weighting": ["bm25"]}}
    db = tmp_path / "changed.duckdb"
    evaluate(tmp_path, db, {"tuning_grid": grid, "eval_models": sorted(grid)}, select="+eval_tuning", data_dir=raw)
    query = "select model, params, k, metric, value from eval_tuning"
    with duckdb.connect(str(db), read_only=True) as other:
        again = {(m, p, k, metric): v for m, p, k, metric, v in rows(other, query)}
        changed_plays = "select sum(plays) from int_eval_plays_held_out"
        assert rows(other, changed_plays) != rows(con, changed_plays)  # the held-out plays did change
    before = {(m, p, k, metric): v for m, p, k, metric, v in rows(con, query)}
    assert len(again) == 4 * 2 * 7
    for key, value in again.items():
        assert before[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key
