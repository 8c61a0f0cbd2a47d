"""Inputs of the seed kNN: checked once, in canonical form (``KnnInputs``).

Errors say what was expected, what was found and where (row, user, value).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class KnnInputs:
    """Validated inputs in canonical form.

    plays: (n, A) CSR float64, canonical (sorted, no duplicates, no stored
        zeros), rows L1-normalised or empty.
    baseline: (A,) float64, the p row of cold users.
    age: (n,) float64 in [0, 1].
    country: (n,) int64, -1 = no country.
    is_cold: (n,) bool, True where the plays row is empty.
    """

    plays: sp.csr_matrix
    baseline: np.ndarray
    age: np.ndarray
    country: np.ndarray
    is_cold: np.ndarray

    @property
    def n_users(self) -> int:
        return self.plays.shape[0]

    @property
    def n_artists(self) -> int:
        return self.plays.shape[1]


def _first_bad(mask: np.ndarray, values: np.ndarray | None = None, limit: int = 5) -> str:
    """Human-readable list of the first positions where ``mask`` is True."""
    where = np.flatnonzero(mask)[:limit]
    if values is None:
        return ", ".join(str(i) for i in where)
    return ", ".join(f"{i} ({values[i].item()!r})" for i in where)


def _row_of(plays: sp.csr_matrix, entry: int) -> int:
    """The row of stored entry number ``entry`` of a CSR matrix."""
    return int(np.searchsorted(plays.indptr, entry, side="right") - 1)


def _check_plays(plays_share: object) -> tuple[sp.csr_matrix, np.ndarray]:
    """plays_share as a canonical float64 CSR copy and its cold rows (empty)."""
    if not sp.issparse(plays_share):
        raise TypeError(
            "plays_share: expected a scipy.sparse CSR matrix of shape (n_users, n_artists), "
            f"found {type(plays_share).__name__}"
        )
    if plays_share.ndim != 2:
        raise ValueError(f"plays_share: expected 2 dimensions (n_users, n_artists), found shape {plays_share.shape}")
    plays = sp.csr_matrix(plays_share, dtype=np.float64, copy=True)
    plays.sum_duplicates()
    finite = np.isfinite(plays.data)
    if not finite.all():
        row = _row_of(plays, np.flatnonzero(~finite)[0])
        raise ValueError(f"plays_share: expected finite shares, found NaN or inf (first in row {row})")
    if (plays.data < 0).any():
        bad = np.flatnonzero(plays.data < 0)[0]
        raise ValueError(
            f"plays_share: expected shares >= 0 (no negative plays), found {plays.data[bad].item()!r} "
            f"in row {_row_of(plays, bad)}, column {plays.indices[bad]}"
        )
    plays.eliminate_zeros()
    plays.sort_indices()
    n_users = plays.shape[0]
    is_cold = np.diff(plays.indptr) == 0
    row_sums = np.bincount(np.repeat(np.arange(n_users), np.diff(plays.indptr)), weights=plays.data,
                           minlength=n_users)
    off = ~is_cold & (np.abs(row_sums - 1.0) > 1e-6)
    if off.any():
        raise ValueError(
            "plays_share: expected every row to sum to 1 (L1-normalised plays) or to be empty "
            f"(a cold user), found rows (sum): {_first_bad(off, row_sums)}"
        )
    return plays, is_cold


def _real_vector(name: str, values: object, length: int, one_per: str, what: str, where: str) -> np.ndarray:
    """``values`` as a finite float64 vector of ``length`` entries (``one_per``
    says what each entry matches, ``what`` names the entries in messages,
    ``where`` prefixes the positions of bad ones)."""
    array = np.asarray(values)
    if array.shape != (length,):
        raise ValueError(f"{name}: expected shape ({length},) ({one_per}), found shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name}: expected real numbers, found dtype {array.dtype}")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        bad = _first_bad(~np.isfinite(array))
        raise ValueError(f"{name}: expected finite {what}, found NaN or inf at {where}{bad}")
    return array


def validate_inputs(
    plays_share: sp.spmatrix | sp.sparray,
    cold_baseline: np.ndarray,
    age_scaled: np.ndarray,
    country_index: np.ndarray,
) -> KnnInputs:
    """Check the four arrays of ``recommend_user_knn`` and return them canonical.

    plays_share: (n, A) scipy sparse, finite, >= 0; each row sums to 1
        (L1-normalised plays) or is empty (a cold user). Duplicates are summed
        and stored zeros dropped (on a copy).
    cold_baseline: (A,) finite, >= 0; sums to 1 when there is a cold user.
    age_scaled: (n,) finite, in [0, 1].
    country_index: (n,) integers >= -1 (-1 = no country).
    Raises TypeError / ValueError saying what was expected and what was found.
    """
    plays, is_cold = _check_plays(plays_share)
    n_users, n_artists = plays.shape

    baseline = _real_vector("cold_baseline", cold_baseline, n_artists, "one share per plays_share column",
                            "shares", "")
    if (baseline < 0).any():
        raise ValueError(f"cold_baseline: expected shares >= 0, found at (value): {_first_bad(baseline < 0, baseline)}")
    if is_cold.any() and n_artists and abs(baseline.sum() - 1.0) > 1e-6:
        raise ValueError(
            f"cold_baseline: expected shares summing to 1 (there are {int(is_cold.sum())} cold users), "
            f"found sum {baseline.sum()!r}"
        )

    age = _real_vector("age_scaled", age_scaled, n_users, "one per plays_share row", "values", "users ")
    outside = (age < 0) | (age > 1)
    if outside.any():
        raise ValueError(f"age_scaled: expected values in [0, 1], found at users (value): {_first_bad(outside, age)}")

    country = np.asarray(country_index)
    if country.shape != (n_users,):
        raise ValueError(
            f"country_index: expected shape ({n_users},) (one per plays_share row), found shape {country.shape}"
        )
    if country.dtype == bool or not np.issubdtype(country.dtype, np.integer):
        raise TypeError(f"country_index: expected integers (-1 = no country), found dtype {country.dtype}")
    country = country.astype(np.int64)
    if (country < -1).any():
        raise ValueError(
            f"country_index: expected integers >= -1, found at users (value): {_first_bad(country < -1, country)}"
        )
    return KnnInputs(plays=plays, baseline=baseline, age=age, country=country, is_cold=is_cold)


def validate_neighbors(
    neighbor_indices: np.ndarray, weights: np.ndarray, n_users: int
) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour lists and their weights, both (n_users, k): indices as int64
    user indices in [0, n_users), weights as finite float64 >= 0."""
    nbr = np.asarray(neighbor_indices)
    w = np.asarray(weights, dtype=np.float64)
    if nbr.ndim != 2 or nbr.shape[0] != n_users:
        raise ValueError(f"neighbor_indices: expected shape ({n_users}, k), found {nbr.shape}")
    if not np.issubdtype(nbr.dtype, np.integer):
        raise TypeError(f"neighbor_indices: expected integers, found dtype {nbr.dtype}")
    if w.shape != nbr.shape:
        raise ValueError(f"weights: expected shape {nbr.shape} (like neighbor_indices), found {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights: expected finite values >= 0, found NaN, inf or negative values")
    if nbr.size and (nbr.min() < 0 or nbr.max() >= n_users):
        raise ValueError(
            f"neighbor_indices: expected user indices in [0, {n_users}), found [{nbr.min()}, {nbr.max()}]"
        )
    return nbr.astype(np.int64), w
