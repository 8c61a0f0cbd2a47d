"""lastfm_recs.item_weights: each artist's strongest weights against the
closed-form B (ease) and the cosine neighbours (item_knn), by a loop."""
from __future__ import annotations

import numpy as np

from lastfm_recs import item_weights
from lastfm_recs.recommenders import fit_model
from lastfm_recs.weighting import weight_plays
from model_inputs import inputs_from, random_plays


def as_rows(weights):
    artist, rank, neighbour, weight = weights
    out: dict[int, list[tuple[int, float]]] = {}
    for a, r, n, w in zip(artist, rank, neighbour, weight):
        out.setdefault(int(a), []).append((int(n), float(w)))
        assert r == len(out[int(a)])
    return out


def expected_rows(matrix: np.ndarray, index: list[int], top_k: int) -> dict[int, list[tuple[int, float]]]:
    """Per row i of ``matrix`` (over the artists ``index``), the top_k positive entries j != i, ties by index."""
    out = {}
    for row, artist in enumerate(index):
        best = sorted((-matrix[row, col], index[col]) for col in range(len(index))
                      if col != row and matrix[row, col] > 0)[:top_k]
        if best:
            out[artist] = [(other, -value) for value, other in best]
    return out


def test_ease_weights_are_the_rows_of_b():
    plays = random_plays(5, 30, 12, density=0.4)
    inputs = inputs_from(plays)
    model = fit_model("ease", inputs, 0, {"ease": {"artists": 9, "l2": 2.0}})
    listeners = (plays > 0).sum(0)
    head = sorted(sorted(range(12), key=lambda a: (-listeners[a], a))[:9])
    x = (plays[:, head] > 0).astype(float)
    p = np.linalg.inv(x.T @ x + 2.0 * np.eye(9))
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    got = as_rows(item_weights.artist_weights(model, 3))
    expected = expected_rows(b, head, 3)
    assert got.keys() == expected.keys()
    for artist in expected:
        assert [n for n, _ in got[artist]] == [n for n, _ in expected[artist]], artist
        np.testing.assert_allclose([w for _, w in got[artist]], [w for _, w in expected[artist]], rtol=1e-4)


def test_item_knn_weights_are_the_cosine_neighbours():
    plays = random_plays(6, 30, 12, density=0.4)
    inputs = inputs_from(plays)
    model = fit_model("item_knn", inputs, 0, {"item_knn": {"neighbors": 4, "weighting": "log"}})
    w = weight_plays(inputs.plays, "log").toarray()
    norms = np.linalg.norm(w, axis=0)
    cos = (w.T @ w) / np.outer(norms, norms)
    np.fill_diagonal(cos, 0.0)
    neighbours = expected_rows(cos, list(range(12)), 4)  # the model keeps 4 per artist ...
    got = as_rows(item_weights.artist_weights(model, 2))  # ... and the first 2 are asked
    assert got.keys() == neighbours.keys()
    for artist, row in neighbours.items():
        assert [n for n, _ in got[artist]] == [n for n, _ in row[:2]]
        np.testing.assert_allclose([v for _, v in got[artist]], [v for _, v in row[:2]], rtol=1e-9)


def test_models_without_item_weights_and_the_handoff():
    inputs = inputs_from(random_plays(7, 10, 6))
    assert item_weights.artist_weights(fit_model("popularity", inputs, 0, {}), 5) is None
    item_weights.handoff("a", 1)
    item_weights.handoff("b", 2)  # a newer fit replaces the older one
    assert item_weights.take("a") == (False, None)
    assert item_weights.take("b") == (True, 2)
    assert item_weights.take("b") == (False, None)
