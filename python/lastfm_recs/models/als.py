"""als: implicit-feedback matrix factorisation (Hu, Koren & Volinsky 2008,
through the ``implicit`` library)::

    c(u, a)   = 1 + alpha * w(u, a) / (mean of w over the played pairs) where
                u played a, else 1 (w: the weighted plays, rescaled to mean 1
                so that alpha means the same for every weighting)
    X, Y      = argmin sum over all (u, a) of c(u, a) (p(u, a) - x_u . y_a)^2
                + regularization (||X||^2 + ||Y||^2),  p = [plays > 0],
                ``factors`` columns, ``iterations`` alternating sweeps (users
                given items, then items given users) from factors drawn
                uniform in [0, 0.01) with a seed from ``rng``; implicit's
                conjugate-gradient solver (3 steps a sweep, warm-started), or
                exact solves with use_cg=False
    s(u, a)   = x_u . y_a

Recommends the ``top_n`` unplayed artists with s > 0, ties by artist index.
Scores are float32 (the factor matrices are).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from lastfm_recs.blocks import Progress, ProgressReporter, dense_blocks, map_blocks
from lastfm_recs.checks import check_choice, check_count, check_number
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.ranking import Recommendations, concat_recommendations, top_n_dense
from lastfm_recs.weighting import WEIGHTINGS, weight_plays


@dataclass(frozen=True)
class FactorModel:
    """Fitted als: ``user_factors`` (n_users, f), ``item_factors`` (A, f);
    ``confidence`` c and ``regularization`` are kept for the explanations
    (lastfm_recs.explain)."""

    user_factors: np.ndarray
    item_factors: np.ndarray
    seen: sp.csr_matrix
    progress: Progress | None = None
    confidence: sp.csr_matrix | None = None
    regularization: float = 0.0
    name: str = "als"  # the model's name in progress lines

    def recommend(self, users: np.ndarray, top_n: int) -> Recommendations:
        top_n = check_count("top_n", top_n, 1)
        users = np.asarray(users, dtype=np.int64)
        item_t = np.ascontiguousarray(self.item_factors.T)

        def work(start: int, end: int) -> tuple[np.ndarray, ...]:
            block = users[start:end]
            row, rank, artist, score = top_n_dense(self.user_factors[block] @ item_t, self.seen[block], top_n)
            return block[row], rank, artist, score

        blocks = dense_blocks(len(users), self.item_factors.shape[0])
        return concat_recommendations(map_blocks(work, blocks, label=f"{self.name}: scoring", progress=self.progress))


def fit_als(inputs: ScoringInputs, rng: np.random.Generator, *, factors: int = 64, regularization: float = 0.01,
            alpha: float = 1.0, iterations: int = 15, weighting: str = "binary", use_cg: bool = True,
            progress: Progress | None = None) -> FactorModel:
    """als (module docstring), fitted with implicit on every core."""
    from implicit.cpu.als import AlternatingLeastSquares  # imported here: only this model needs it

    factors = check_count("factors", factors, 1)
    iterations = check_count("iterations", iterations, 1)
    regularization = check_number("regularization", regularization, 0.0)
    alpha = check_number("alpha", alpha, 0.0)
    check_choice("weighting", weighting, WEIGHTINGS)
    confidence = weight_plays(inputs.plays, weighting)
    if confidence.nnz:
        confidence.data = 1.0 + alpha * confidence.data / confidence.data.mean()
    report = ProgressReporter(progress, "als: fitting", iterations, unit="iterations")
    # implicit runs its own threads and wants BLAS single-threaded (it checks when constructed)
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=factors,
            regularization=regularization,
            alpha=1.0,  # c is passed whole: implicit multiplies by its alpha only when it is not 1
            iterations=iterations,
            use_cg=bool(use_cg),
            calculate_training_loss=False,
            random_state=int(rng.integers(2**31 - 1)),
        )
        model.fit(confidence.astype(np.float32), show_progress=False,
                  callback=lambda iteration, *_: report.update(iteration + 1, (iteration + 1) / iterations))
    report.finish()
    return FactorModel(
        user_factors=np.asarray(model.user_factors),
        item_factors=np.asarray(model.item_factors),
        seen=inputs.plays,
        progress=progress,
        confidence=confidence,
        regularization=regularization,
    )
