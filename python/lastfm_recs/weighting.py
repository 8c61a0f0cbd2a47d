"""Weightings of the play counts, shared by the models that take one.

Raw play counts are heavy tailed (one artist played 10,000 times, another
twice), so the models weight them first. Every scheme keeps the sparsity
pattern of ``plays`` (an artist is "listened" exactly where plays > 0):

    binary   w(u, a) = 1
    log      w(u, a) = log(1 + plays(u, a))
    tfidf    w(u, a) = log(1 + plays(u, a)) * idf(a),
             idf(a) = 1 + log((1 + n_users) / (1 + listeners(a)))   (smoothed, > 0: as scikit-learn)
    bm25     w(u, a) = idf25(a) * plays (k1 + 1) / (plays + k1 (1 - b + b len(u) / mean len))
             idf25(a) = log(1 + (n_users - listeners(a) + 0.5) / (listeners(a) + 0.5)),
             len(u) = the user's total plays, k1 = 1.2, b = 0.75 (Okapi BM25)

n_users counts the rows of ``plays`` (cold users included); listeners(a) the
users with plays of a.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from lastfm_recs.checks import check_choice

WEIGHTINGS = ("binary", "log", "tfidf", "bm25")
BM25_K1 = 1.2
BM25_B = 0.75


def listeners(plays: sp.csr_matrix) -> np.ndarray:
    """(n_artists,) number of users with plays of each artist (column nnz)."""
    return np.bincount(plays.indices[plays.data > 0], minlength=plays.shape[1])


def weight_plays(plays: sp.csr_matrix, weighting: str) -> sp.csr_matrix:
    """(n_users, n_artists) CSR float64 of weights w(u, a) (module docstring)
    from the raw summed plays (n_users, n_artists) CSR, entries > 0."""
    check_choice("weighting", weighting, WEIGHTINGS)
    out = sp.csr_matrix(plays, dtype=np.float64, copy=True)
    out.eliminate_zeros()
    n_users = out.shape[0]
    if weighting == "binary":
        out.data[:] = 1.0
        return out
    if weighting == "log":
        out.data = np.log1p(out.data)
        return out
    count = listeners(out)
    if weighting == "tfidf":
        idf = 1.0 + np.log((1.0 + n_users) / (1.0 + count))
        out.data = np.log1p(out.data) * idf[out.indices]
        return out
    idf = np.log1p((n_users - count + 0.5) / (count + 0.5))
    length = np.asarray(out.sum(axis=1)).ravel()
    mean_length = length[length > 0].mean() if (length > 0).any() else 1.0
    norm = BM25_K1 * (1.0 - BM25_B + BM25_B * length / mean_length)
    row = np.repeat(np.arange(n_users), np.diff(out.indptr))
    out.data = idf[out.indices] * out.data * (BM25_K1 + 1.0) / (out.data + norm[row])
    return out
