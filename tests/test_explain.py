"""lastfm_recs.explain: each model's contributions against a plain loop over
its formula on tiny data; they reproduce the score, and the reasons' shares
are the top ones and sum to at most 1."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from lastfm_recs import explain
from lastfm_recs.recommenders import fit_model
from lastfm_recs.weighting import weight_plays
from model_inputs import inputs_from, random_plays

N_USERS, N_ARTISTS = 24, 14


@pytest.fixture(scope="module")
def data():
    plays = random_plays(3, N_USERS, N_ARTISTS, density=0.35, cold=(5,))
    country = np.array([i % 3 - 1 for i in range(N_USERS)])  # -1, 0, 1
    band = np.array([i % 2 for i in range(N_USERS)])
    age = np.linspace(0.0, 1.0, N_USERS)
    return plays, inputs_from(plays, age=age, country=country, age_band=band)


def full_contributions(model, inputs, recs) -> dict[tuple[int, int], dict[int, float]]:
    """(user, artist) -> {played artist: c} from the block explainer."""
    user, _, artist, _ = recs
    users, rec_row = np.unique(user, return_inverse=True)
    own = explain.own_artists(inputs.plays, users)
    c = explain.block_explainer(model)(users, rec_row, artist, own)
    out = {}
    for r in range(len(user)):
        mine = own[rec_row[r]]
        out[int(user[r]), int(artist[r])] = {int(i): float(c[r, t]) for t, i in enumerate(mine) if i >= 0}
    return out


def check_reasons(model, inputs, recs, contributions, max_reasons=3):
    """explain() keeps the largest positive contributions, ties by artist,
    with share = c / (positive c + max(rest, 0)), summing to <= 1."""
    reasons = explain.explain(model, recs, inputs.plays, max_reasons=max_reasons)
    user, _, artist, score = recs
    got: dict[int, list] = {}
    for r, k, i, c, s in zip(reasons.recommendation, reasons.reason_rank, reasons.artist_index,
                             reasons.contribution, reasons.share):
        got.setdefault(int(r), []).append((int(k), int(i), float(c), float(s)))
    explained = 0
    for r in range(len(user)):
        parts = contributions[int(user[r]), int(artist[r])]
        positive = sorted(((-c, i) for i, c in parts.items() if c > 0))[:max_reasons]
        rest = score[r] - sum(parts.values())
        total = sum(c for c in parts.values() if c > 0) + max(rest, 0.0)
        expected = [(k + 1, i, -c, -c / total) for k, (c, i) in enumerate(positive)]
        mine = got.get(r, [])
        assert [(k, i) for k, i, _, _ in mine] == [(k, i) for k, i, _, _ in expected], r
        np.testing.assert_allclose([c for *_, c, _ in mine], [c for *_, c, _ in expected], rtol=1e-9)
        np.testing.assert_allclose([s for *_, s in mine], [s for *_, s in expected], rtol=1e-9)
        assert sum(s for *_, s in mine) <= 1.0 + 1e-12
        assert all(0 < s <= 1.0 + 1e-12 for *_, s in mine)
        explained += bool(mine)
    assert explained > 0


def test_ease_contributions_are_w_times_b_and_add_up_to_the_score(data):
    plays, inputs = data
    params = {"ease": {"artists": 10, "l2": 3.0, "weighting": "log", "country_weight": 2.0}}
    model = fit_model("ease", inputs, 0, params)
    recs = model.recommend(np.arange(N_USERS), 5)
    # the closed form with numpy's inverse, on the 10 most listened artists and the country columns
    listeners = (plays > 0).sum(0)
    head = sorted(sorted(range(N_ARTISTS), key=lambda a: (-listeners[a], a))[:10])
    w = weight_plays(inputs.plays, "log").toarray()
    onehot = np.zeros((N_USERS, 2))
    for u, c in enumerate(inputs.country_index):
        if c >= 0:
            onehot[u, c] = 2.0
    z = np.hstack([w[:, head], onehot])
    p = np.linalg.inv(z.T @ z + 3.0 * np.eye(z.shape[1]))
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    got = full_contributions(model, inputs, recs)
    for (u, a), parts in got.items():
        col = head.index(a) if a in head else None
        if col is None or z[u] @ b[:, col] <= 0:
            assert all(c == 0 for c in parts.values())  # the popularity fill owes nothing to the user's artists
            continue
        expected = {i: (w[u, i] * b[head.index(i), col] if i in head else 0.0) for i in np.flatnonzero(plays[u])}
        assert parts.keys() == expected.keys()
        np.testing.assert_allclose([parts[i] for i in expected], list(expected.values()), rtol=1e-4, atol=1e-6)
        profile = onehot[u] @ b[len(head):, col]
        score = recs[3][(recs[0] == u) & (recs[2] == a)][0]
        assert sum(parts.values()) + profile == pytest.approx(score, rel=1e-4, abs=1e-6)
    check_reasons(model, inputs, recs, got)


def test_item_knn_contributions_are_w_times_s(data):
    plays, inputs = data
    model = fit_model("item_knn", inputs, 0, {"item_knn": {"neighbors": 4, "weighting": "tfidf"}})
    recs = model.recommend(np.arange(N_USERS), 5)
    w = weight_plays(inputs.plays, "tfidf").toarray()
    norms = np.linalg.norm(w, axis=0)
    cos = (w.T @ w) / np.outer(norms, norms)
    s = np.zeros_like(cos)
    for i in range(N_ARTISTS):
        others = sorted((-cos[i, j], j) for j in range(N_ARTISTS) if j != i and cos[i, j] > 0)[:4]
        for value, j in others:
            s[i, j] = -value
    got = full_contributions(model, inputs, recs)
    for (u, a), parts in got.items():
        expected = {int(i): w[u, i] * s[i, a] for i in np.flatnonzero(plays[u])}
        np.testing.assert_allclose([parts[i] for i in expected], list(expected.values()), rtol=1e-9, atol=1e-12)
        score = recs[3][(recs[0] == u) & (recs[2] == a)][0]
        assert sum(parts.values()) == pytest.approx(score, rel=1e-9)
    check_reasons(model, inputs, recs, got)


def test_user_knn_cosine_contributions_take_the_similarity_apart(data):
    plays, inputs = data
    beta = 0.3
    model = fit_model("user_knn_cosine", inputs, 0,
                      {"user_knn_cosine": {"neighbors": 5, "weighting": "log", "profile_weight": beta}})
    recs = model.recommend(np.arange(N_USERS), 5)
    w = weight_plays(inputs.plays, "log").toarray()
    norms = np.linalg.norm(w, axis=1)
    x = np.divide(w, norms[:, None], out=np.zeros_like(w), where=norms[:, None] > 0)
    got = full_contributions(model, inputs, recs)
    for (u, a), parts in got.items():
        sims = []
        for v in range(N_USERS):
            cos = x[u] @ x[v]
            if v == u or cos <= 0:
                continue
            same = inputs.country_index[u] == inputs.country_index[v] and inputs.country_index[u] >= 0
            profile = (same + 1.0 - abs(inputs.age_scaled[u] - inputs.age_scaled[v])) / 2.0
            sims.append((-((1 - beta) * cos + beta * profile), v, profile))
        near = sorted(sims)[:5]
        expected = {int(i): (1 - beta) * x[u, i] * sum(x[v, i] * x[v, a] for _, v, _ in near)
                    for i in np.flatnonzero(plays[u])}
        np.testing.assert_allclose([parts[i] for i in expected], list(expected.values()), rtol=1e-9, atol=1e-12)
        rest = sum(beta * profile * x[v, a] for _, v, profile in near)
        score = recs[3][(recs[0] == u) & (recs[2] == a)][0]
        assert sum(parts.values()) + rest == pytest.approx(score, rel=1e-9)
    check_reasons(model, inputs, recs, got)


def test_user_knn_splits_each_neighbour_over_the_shared_artists(data):
    plays, inputs = data
    k = 6
    model = fit_model("user_knn", inputs, 0, {"user_knn": {"neighbors": k}})
    recs = model.recommend(np.arange(N_USERS), 5)
    p = inputs.plays_share.toarray()
    cold = p.sum(1) == 0
    p_eff = np.where(cold[:, None], inputs.cold_baseline[None, :], p)
    onehot = np.zeros((N_USERS, 2))
    for u, c in enumerate(inputs.country_index):
        if c >= 0:
            onehot[u, c] = 1.0
    feats = np.hstack([p_eff, inputs.age_scaled[:, None], onehot])
    d = np.linalg.norm(feats[:, None, :] - feats[None, :, :], axis=2)
    near = {u: sorted((d[u, v], v) for v in range(N_USERS) if v != u)[:k] for u in range(N_USERS)}
    max_d = max(dist for u in near for dist, _ in near[u])
    got = full_contributions(model, inputs, recs)
    for (u, a), parts in got.items():
        expected = {int(i): 0.0 for i in np.flatnonzero(plays[u])}
        rest = 0.0
        for dist, v in near[u]:
            term = (1 - dist / max_d) * p_eff[v, a] / k
            dot = sum(p[u, j] * p_eff[v, j] for j in expected)
            if dot == 0:
                rest += term
                continue
            for i in expected:
                expected[i] += term * p[u, i] * p_eff[v, i] / dot
        np.testing.assert_allclose([parts[i] for i in expected], list(expected.values()), rtol=1e-7, atol=1e-12)
        score = recs[3][(recs[0] == u) & (recs[2] == a)][0]
        assert sum(parts.values()) + rest == pytest.approx(score, rel=1e-7)
    check_reasons(model, inputs, recs, got)


def test_als_contributions_are_hu_koren_volinsky(data):
    plays, inputs = data
    model = fit_model("als", inputs, 0, {"als": {"factors": 4, "regularization": 0.5, "alpha": 2.0,
                                                 "iterations": 3, "use_cg": False}})
    recs = model.recommend(np.arange(N_USERS), 5)
    y = model.item_factors.astype(np.float64)
    conf = model.confidence.toarray()
    got = full_contributions(model, inputs, recs)
    for (u, a), parts in got.items():
        played = np.flatnonzero(plays[u])
        a_mat = y.T @ y + 0.5 * np.eye(4) + sum((conf[u, i] - 1) * np.outer(y[i], y[i]) for i in played)
        inv = np.linalg.inv(a_mat)
        expected = {int(i): conf[u, i] * y[a] @ inv @ y[i] for i in played}
        np.testing.assert_allclose([parts[i] for i in expected], list(expected.values()), rtol=1e-3, atol=1e-5)
        resolved = inv @ sum(conf[u, i] * y[i] for i in played)  # the user's factors solved exactly
        assert sum(parts.values()) == pytest.approx(y[a] @ resolved, rel=1e-3, abs=1e-5)
    check_reasons(model, inputs, recs, got)


def test_hybrid_contributions_are_the_scaled_components(data):
    plays, inputs = data
    params = {"ease": {"artists": N_ARTISTS, "l2": 3.0}, "item_knn": {"neighbors": 4, "weighting": "binary"},
              "hybrid": {"weights": {"ease": 1.0, "item_knn": 0.5}, "candidates": 8}}
    model = fit_model("hybrid", inputs, 0, params)
    recs = model.recommend(np.arange(N_USERS), 5)
    ease, knn = model.components["ease"], model.components["item_knn"]
    ease_parts = full_contributions(ease, inputs, ease.recommend(np.arange(N_USERS), 8))
    knn_parts = full_contributions(knn, inputs, knn.recommend(np.arange(N_USERS), 8))
    top = {name: {} for name in ("ease", "item_knn")}
    for name, component in (("ease", ease), ("item_knn", knn)):
        for u, _, _, s in zip(*component.recommend(np.arange(N_USERS), 8)):
            top[name][int(u)] = max(top[name].get(int(u), 0.0), float(s))
    got = full_contributions(model, inputs, recs)
    checked = 0
    for (u, a), parts in got.items():
        if plays[u].sum() == 0:
            continue  # cold users get the profile prior: no reasons
        expected = {int(i): 0.0 for i in np.flatnonzero(plays[u])}
        for name, weight, component_parts in (("ease", 1.0, ease_parts), ("item_knn", 0.5, knn_parts)):
            for i, c in component_parts.get((u, a), {}).items():
                expected[i] += weight / top[name][u] * c
        np.testing.assert_allclose([parts[i] for i in expected], list(expected.values()), rtol=1e-6, atol=1e-9)
        score = recs[3][(recs[0] == u) & (recs[2] == a)][0]
        assert sum(parts.values()) == pytest.approx(score, rel=1e-4)  # no profile columns: nothing else
        checked += 1
    assert checked
    check_reasons(model, inputs, recs, got)


def test_models_without_the_users_artists_give_no_reasons(data):
    _, inputs = data
    for name in ("popularity", "profile_popularity"):
        model = fit_model(name, inputs, 0, {})
        reasons = explain.explain(model, model.recommend(np.arange(N_USERS), 5), inputs.plays)
        assert len(reasons.recommendation) == 0


def test_top_reasons_ties_by_artist_and_share_of_the_positive_parts():
    contribution = np.array([[2.0, -1.0, 2.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    artists = np.array([[3, 5, 7, 9, -1], [1, -1, -1, -1, -1]])
    row, rank, artist, value, share = explain.top_reasons(contribution, artists, np.array([4.5, 1.0]), 2)
    # row 0: positive parts 2 + 2 + 1 and a rest of 4.5 - 4 = 0.5 -> total 5.5; row 1: nothing positive
    assert row.tolist() == [0, 0] and rank.tolist() == [1, 2] and artist.tolist() == [3, 7]
    np.testing.assert_allclose(share, [2 / 5.5, 2 / 5.5])
    assert value.tolist() == [2.0, 2.0]


def test_own_artists_pads_with_minus_one():
    seen = sp.csr_matrix(np.array([[0, 3, 0, 1], [0, 0, 0, 0], [5, 0, 0, 0]]))
    np.testing.assert_array_equal(explain.own_artists(seen, np.array([0, 1, 2])),
                                  [[1, 3], [-1, -1], [0, -1]])


def test_the_scoring_models_stream_is_the_lists_with_their_reasons(data, monkeypatch):
    """warehouse_io.scored_batches over explain_blocks, with blocks of 5
    users (several batches), row for row against explain() and a loop."""
    import pyarrow as pa

    from lastfm_recs.warehouse_io import scored_batches

    plays, inputs = data
    model = fit_model("ease", inputs, 0, {"ease": {"artists": 20, "l2": 2.0}})
    recs = model.recommend(np.arange(N_USERS), 4)
    whole = explain.explain(model, recs, inputs.plays)
    monkeypatch.setattr(explain, "EXPLAIN_BLOCK_USERS", 5)
    reader = scored_batches(recs, explain.explain_blocks(model, recs, inputs.plays), "fit-1")
    batches = list(reader)
    assert len(batches) == len(np.unique(recs.user_index)) // 5 + 1
    rows = pa.Table.from_batches(batches, reader.schema).to_pylist()
    assert len(rows) == len(recs.user_index)
    for r, row in enumerate(rows):
        assert (row["user_index"], row["rank"], row["artist_index"], row["score"], row["fit_id"]) == (
            recs.user_index[r], recs.rank[r], recs.artist_index[r], recs.score[r], "fit-1")
        mine = whole.recommendation == r
        assert row["reasons"] == [{"artist_index": i, "contribution": c, "share": s} for i, c, s in zip(
            whole.artist_index[mine], whole.contribution[mine], whole.share[mine])]
    assert sum(len(row["reasons"]) for row in rows) == len(whole.recommendation) > 0
