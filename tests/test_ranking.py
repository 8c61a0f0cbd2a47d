"""lastfm_recs.ranking: top-n selection against a plain sort per row."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from lastfm_recs import ranking


def naive_top_n(scores: dict[int, dict[int, float]], exclude: dict[int, set[int]], top_n: int):
    """(row, rank, column, score) by sorting each row's allowed positive entries."""
    out = []
    for row in sorted(scores):
        allowed = [(-v, c) for c, v in scores[row].items() if v > 0 and c not in exclude.get(row, set())]
        for rank, (neg, c) in enumerate(sorted(allowed)[:top_n], start=1):
            out.append((row, rank, c, -neg))
    return out


def as_rows(result):
    return [(int(r), int(k), int(c), float(v)) for r, k, c, v in zip(*result)]


@pytest.mark.parametrize("top_n", [1, 3, 7, 50])
def test_top_n_dense_matches_a_sort_per_row(top_n):
    rng = np.random.default_rng(top_n)
    scores = rng.integers(-3, 6, size=(40, 30)) / 4.0  # many ties, zeros and negatives
    exclude = sp.csr_matrix(rng.random((40, 30)) < 0.3)
    expected = naive_top_n(
        {r: dict(enumerate(scores[r])) for r in range(40)},
        {r: set(exclude[r].indices) for r in range(40)},
        top_n,
    )
    assert as_rows(ranking.top_n_dense(scores.copy(), exclude, top_n)) == expected


@pytest.mark.parametrize("top_n", [1, 4, 100])
def test_top_n_sparse_matches_a_sort_per_row(top_n):
    rng = np.random.default_rng(10 + top_n)
    dense = np.where(rng.random((50, 200)) < 0.1, rng.integers(-2, 9, size=(50, 200)) / 2.0, 0.0)
    dense[7] = 0  # an empty row
    scores = sp.csr_matrix(dense)
    scores.data[::11] = 0.0  # stored zeros are never recommended
    exclude = sp.csr_matrix(rng.random((50, 200)) < 0.05)
    expected = naive_top_n(
        {r: {int(c): float(v) for c, v in zip(scores[r].indices, scores[r].data)} for r in range(50)},
        {r: set(exclude[r].indices) for r in range(50)},
        top_n,
    )
    assert as_rows(ranking.top_n_sparse(scores, exclude, top_n)) == expected


def test_top_n_sparse_sums_duplicate_entries():
    scores = sp.coo_matrix(([1.0, 2.0, 2.5], ([0, 0, 0], [3, 3, 1])), shape=(1, 5)).tocsr(copy=False)
    got = as_rows(ranking.top_n_sparse(scores, sp.csr_matrix((1, 5)), 5))
    assert got == [(0, 1, 3, 3.0), (0, 2, 1, 2.5)]


def test_first_unseen_by_hand():
    seen = sp.csr_matrix(np.array([[1, 0, 1, 0], [0, 0, 0, 0]]))
    candidates = np.array([[2, 1, 0, 3], [3, 2, 1, 0]])
    row, rank, column, artist = ranking.first_unseen(np.array([0, 1]), candidates, seen, 2)
    np.testing.assert_array_equal(row, [0, 0, 1, 1])
    np.testing.assert_array_equal(rank, [1, 2, 1, 2])
    np.testing.assert_array_equal(column, [1, 3, 0, 1])
    np.testing.assert_array_equal(artist, [1, 3, 3, 2])


def test_first_unseen_skips_padding():
    seen = sp.csr_matrix(np.array([[0, 1, 0], [0, 0, 0]]))
    candidates = np.array([[1, 2, -1, 0], [-1, -1, 2, -1]])
    row, rank, column, artist = ranking.first_unseen(np.array([0, 1]), candidates, seen, 3)
    assert list(zip(row, rank, column, artist)) == [(0, 1, 1, 2), (0, 2, 3, 0), (1, 1, 2, 2)]


def test_is_member_finds_keys_in_a_sorted_set():
    got = ranking.is_member(np.array([[5, 1], [9, 7]]), np.array([1, 3, 7]))
    assert got.tolist() == [[False, True], [False, True]]
    assert ranking.is_member(np.array([1, 2]), np.array([], dtype=np.int64)).tolist() == [False, False]
