"""ials: implicit alternating least squares as revisited by Rendle, Krichene,
Zhang & Koren 2021 ("Revisiting the performance of iALS on item
recommendation benchmarks"), with its own solver.

With S the (user, artist) pairs with plays, n_u = |{a: (u, a) in S}|,
n_a = |{u: (u, a) in S}|, U users and A artists::

    L(W, H) = sum over (u, a) in S of (w_u . h_a - 1)^2
              + unobserved_weight * sum over all (u, a) of (w_u . h_a)^2
              + regularization * ( sum_u (n_u + unobserved_weight * A)^reg_exponent ||w_u||^2
                                 + sum_a (n_a + unobserved_weight * U)^reg_exponent ||h_a||^2 )
    s(u, a)  = w_u . h_a

The regularization grows with each row's frequency (reg_exponent = 1 is the
paper's default; 0 is the classic constant one). ``factors`` columns,
``epochs`` sweeps, each solving every user row given H, then every artist
row given W; a row's normal equations

    (sum_{a in S_u} h_a h_a^T + unobserved_weight * H^T H + lambda_u I) w_u = sum_{a in S_u} h_a

are solved by ``cg_steps`` steps of conjugate gradients warm-started at the
previous w_u, for all rows at once (sparse products; exact after
``factors`` steps). H starts as normal(0, init_scale / sqrt(factors)) draws
from ``rng``. Recommends the ``top_n`` unplayed artists with s > 0, ties by
artist index (lastfm_recs.models.als.FactorModel).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import Progress, ProgressReporter
from lastfm_recs.checks import check_count, check_number
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.models.als import FactorModel

#: Observed pairs whose factors are gathered at once in a CG step.
PAIRS_PER_CHUNK = 500_000


def _frequency_regularization(observed: sp.csr_matrix, unobserved_weight: float, regularization: float,
                              reg_exponent: float) -> np.ndarray:
    """lambda_r = regularization * (n_r + unobserved_weight * n_columns) ^ reg_exponent per row."""
    counts = np.diff(observed.indptr).astype(np.float64)
    return regularization * (counts + unobserved_weight * observed.shape[1]) ** reg_exponent


def solve_side(observed: sp.csr_matrix, fixed: np.ndarray, current: np.ndarray, unobserved_weight: float,
               reg: np.ndarray, cg_steps: int) -> np.ndarray:
    """The rows (n, f) that minimise L with ``fixed`` (m, f) held, for the
    binary ``observed`` (n, m) CSR, from ``current`` by cg_steps of CG per row."""
    gramian = unobserved_weight * (fixed.T @ fixed)
    target = observed @ fixed  # sum of the observed columns' factors
    row = np.repeat(np.arange(observed.shape[0]), np.diff(observed.indptr))
    dots = np.empty(observed.nnz)

    def apply(x: np.ndarray) -> np.ndarray:
        # (sum_{c in S_r} y_c y_c^T) x_r for every row r at once: y_c . x_r per
        # observed pair (in chunks: the gathered factors are nnz x f), then
        # scattered back onto the rows
        for s in range(0, observed.nnz, PAIRS_PER_CHUNK):
            e = min(observed.nnz, s + PAIRS_PER_CHUNK)
            dots[s:e] = np.einsum("ij,ij->i", fixed[observed.indices[s:e]], x[row[s:e]])
        pairs = sp.csr_matrix((dots, observed.indices, observed.indptr), shape=observed.shape)
        return pairs @ fixed + x @ gramian + reg[:, None] * x

    x = current.copy()
    residual = target - apply(x)
    direction = residual.copy()
    rs_old = np.einsum("ij,ij->i", residual, residual)
    for _ in range(cg_steps):
        if not np.any(rs_old > 1e-20):
            break
        a_dir = apply(direction)
        denom = np.einsum("ij,ij->i", direction, a_dir)
        step = np.divide(rs_old, denom, out=np.zeros_like(rs_old), where=denom > 0)
        x += step[:, None] * direction
        residual -= step[:, None] * a_dir
        rs_new = np.einsum("ij,ij->i", residual, residual)
        ratio = np.divide(rs_new, rs_old, out=np.zeros_like(rs_new), where=rs_old > 0)
        direction = residual + ratio[:, None] * direction
        rs_old = rs_new
    return x


def ials_factors(observed: sp.csr_matrix, item_init: np.ndarray, *, unobserved_weight: float,
                 regularization: float, reg_exponent: float, epochs: int, cg_steps: int,
                 progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(W, H) after ``epochs`` sweeps (module docstring) from H = ``item_init``
    and W = 0, on the binary ``observed`` (U, A) CSR."""
    observed = sp.csr_matrix(observed, dtype=np.float64, copy=True)
    observed.eliminate_zeros()
    observed.sort_indices()
    observed.data[:] = 1.0
    observed_t = observed.T.tocsr()
    items = np.array(item_init, dtype=np.float64)
    users = np.zeros((observed.shape[0], items.shape[1]))
    user_reg = _frequency_regularization(observed, unobserved_weight, regularization, reg_exponent)
    item_reg = _frequency_regularization(observed_t, unobserved_weight, regularization, reg_exponent)
    report = ProgressReporter(progress, "ials: fitting", epochs, unit="epochs")
    for epoch in range(epochs):
        users = solve_side(observed, items, users, unobserved_weight, user_reg, cg_steps)
        items = solve_side(observed_t, users, items, unobserved_weight, item_reg, cg_steps)
        report.update(epoch + 1, (epoch + 1) / epochs)
    report.finish()
    return users, items


def fit_ials(inputs: ScoringInputs, rng: np.random.Generator, *, factors: int = 128, unobserved_weight: float = 0.1,
             regularization: float = 0.003, reg_exponent: float = 1.0, epochs: int = 16, cg_steps: int = 4,
             init_scale: float = 0.1, progress: Progress | None = None) -> FactorModel:
    """ials (module docstring)."""
    factors = check_count("factors", factors, 1)
    epochs = check_count("epochs", epochs, 1)
    cg_steps = check_count("cg_steps", cg_steps, 1)
    unobserved_weight = check_number("unobserved_weight", unobserved_weight, 0.0)
    regularization = check_number("regularization", regularization, 0.0)
    reg_exponent = check_number("reg_exponent", reg_exponent, 0.0)
    init_scale = check_number("init_scale", init_scale, 0.0)
    init = rng.normal(0.0, init_scale / np.sqrt(factors), size=(inputs.plays.shape[1], factors))
    users, items = ials_factors(inputs.plays, init, unobserved_weight=unobserved_weight,
                                regularization=regularization, reg_exponent=reg_exponent, epochs=epochs,
                                cg_steps=cg_steps, progress=progress)
    return FactorModel(user_factors=users.astype(np.float32), item_factors=items.astype(np.float32),
                       seen=inputs.plays, progress=progress, name="ials")
