"""rp3beta: item-item random-walk similarities with a popularity penalty
(Paudel, Christoffel, Newell & Bernstein 2016, "Updatable, accurate, diverse,
and scalable recommendations for interactive applications"; as evaluated by
Dacrema, Cremonesi & Jannach 2019).

On the user-artist graph with edge weights w(u, a) (weighting of the plays,
binary by default)::

    P_ua(u, a) = (w(u, a) / sum_a' w(u, a')) ^ alpha      user -> artist step
    P_au(a, u) = (w(u, a) / sum_u' w(u', a)) ^ alpha      artist -> user step
    W(i, j)    = sum_u P_au(i, u) P_ua(u, j) / listeners(j) ^ beta   for i != j,
                 W(i, i) = 0
    W_k        = W with only the ``neighbors`` largest entries of each row i
                 kept (ties by column ascending)
    s(u, a)    = sum_i P_ua(u, i) W_k(i, a)

alpha = 1, beta = 0 is the plain 3-step random walk (P3); beta > 0 lowers the
popular artists, which the walk otherwise favours. Recommends the ``top_n``
unplayed artists with s > 0, ties by artist index (lastfm_recs.ranking).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import Progress, ProgressReporter
from lastfm_recs.checks import check_choice, check_count, check_number
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.ranking import Recommendations, concat_recommendations, top_n_sparse
from lastfm_recs.weighting import WEIGHTINGS, listeners, weight_plays

#: Artists x artists of the similarity rows computed at once (a bound on
#: the sparse block's entries).
SIMILARITY_BLOCK_ENTRIES = 4_000_000
#: Users scored at once.
SCORE_BLOCK_USERS = 4096


def _row_normalised_power(matrix: sp.csr_matrix, alpha: float) -> sp.csr_matrix:
    """Each row divided by its sum, then every entry to the power alpha."""
    matrix = sp.csr_matrix(matrix, dtype=np.float64, copy=True)
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    row = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    matrix.data = (matrix.data / sums[row]) ** alpha
    return matrix


def rp3beta_similarity(weighted: sp.csr_matrix, alpha: float, beta: float, neighbors: int,
                       progress: Progress | None = None) -> sp.csr_matrix:
    """W_k (module docstring) as (A, A) CSR from the weighted plays (n_users, A)."""
    p_ua = _row_normalised_power(weighted, alpha)
    p_au = _row_normalised_power(weighted.T.tocsr(), alpha)
    count = listeners(weighted)
    penalty = np.zeros(len(count))
    penalty[count > 0] = count[count > 0] ** -float(beta)
    n = weighted.shape[1]
    block = max(1, SIMILARITY_BLOCK_ENTRIES // max(n, 1))
    report = ProgressReporter(progress, "rp3beta: similarities", n, unit="artists")
    rows, cols, vals = [], [], []
    for start in range(0, n, block):
        end = min(n, start + block)
        # sparse: an artist's two-step neighbourhood is a small share of the
        # catalogue (a dense top-k over every artist was 90% of the fit)
        similar = (p_au[start:end] @ p_ua).tocsr()
        similar.data *= penalty[similar.indices]
        # the artist itself is excluded like a played artist: W(i, i) = 0
        own = sp.csr_matrix((np.ones(end - start), (np.arange(end - start), np.arange(start, end))),
                            shape=(end - start, n))
        row, _, col, val = top_n_sparse(similar, own, neighbors)
        rows.append(row + start)
        cols.append(col)
        vals.append(val)
        report.update(end, end / n)
    report.finish()
    if not rows:
        return sp.csr_matrix((n, n))
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))


@dataclass(frozen=True)
class Rp3beta:
    """Fitted rp3beta: ``similarity`` W_k (A, A) CSR, ``user_steps`` P_ua."""

    similarity: sp.csr_matrix
    user_steps: sp.csr_matrix
    seen: sp.csr_matrix

    def recommend(self, users: np.ndarray, top_n: int) -> Recommendations:
        top_n = check_count("top_n", top_n, 1)
        users = np.unique(np.asarray(users, dtype=np.int64))
        parts = []
        for start in range(0, len(users), SCORE_BLOCK_USERS):
            block = users[start:start + SCORE_BLOCK_USERS]
            row, rank, artist, score = top_n_sparse(self.user_steps[block] @ self.similarity, self.seen[block], top_n)
            parts.append((block[row], rank, artist, score))
        return concat_recommendations(parts)


def fit_rp3beta(inputs: ScoringInputs, rng: np.random.Generator, *, alpha: float = 1.0, beta: float = 0.5,
                neighbors: int = 200, weighting: str = "binary", progress: Progress | None = None) -> Rp3beta:
    """rp3beta (module docstring); ``rng`` is not used."""
    alpha = check_number("alpha", alpha, 1e-12)
    beta = check_number("beta", beta, 0.0)
    neighbors = check_count("neighbors", neighbors, 1)
    check_choice("weighting", weighting, WEIGHTINGS)
    weighted = weight_plays(inputs.plays, weighting)
    return Rp3beta(
        similarity=rp3beta_similarity(weighted, alpha, beta, neighbors, progress),
        user_steps=_row_normalised_power(weighted, alpha),
        seen=inputs.plays,
    )
