"""lastfm_recs.weighting: every scheme against its formula, entry by entry."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from lastfm_recs.weighting import BM25_B, BM25_K1, WEIGHTINGS, listeners, weight_plays

PLAYS = np.array([
    [5, 0, 1, 0],
    [0, 0, 300, 2],
    [1, 1, 1, 1],
    [0, 0, 0, 0],  # a cold user counts in n_users
])


def expected(weighting: str, u: int, a: int) -> float:
    n_users = PLAYS.shape[0]
    x = PLAYS[u, a]
    df = int((PLAYS[:, a] > 0).sum())
    if weighting == "binary":
        return 1.0
    if weighting == "log":
        return math.log(1 + x)
    if weighting == "tfidf":
        return math.log(1 + x) * (1 + math.log((1 + n_users) / (1 + df)))
    lengths = PLAYS.sum(axis=1)
    mean_length = lengths[lengths > 0].mean()
    idf = math.log(1 + (n_users - df + 0.5) / (df + 0.5))
    return idf * x * (BM25_K1 + 1) / (x + BM25_K1 * (1 - BM25_B + BM25_B * lengths[u] / mean_length))


@pytest.mark.parametrize("weighting", WEIGHTINGS)
def test_weights_follow_the_formula_on_the_played_pairs(weighting):
    got = weight_plays(sp.csr_matrix(PLAYS), weighting)
    assert (got.toarray() > 0).tolist() == (PLAYS > 0).tolist()  # same pattern, all > 0
    for u, a in zip(*np.nonzero(PLAYS)):
        assert got[u, a] == pytest.approx(expected(weighting, u, a), rel=1e-12), (u, a)


def test_listeners_and_unknown_weighting():
    np.testing.assert_array_equal(listeners(sp.csr_matrix(PLAYS)), [2, 1, 3, 2])
    with pytest.raises(ValueError, match="weighting: expected one of binary, log, tfidf, bm25, found 'idf'"):
        weight_plays(sp.csr_matrix(PLAYS), "idf")
