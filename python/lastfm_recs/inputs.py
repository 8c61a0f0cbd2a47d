"""What every model is fitted on: ``ScoringInputs``, arrays indexed by
user_index and artist_index.

Its own module so that the algorithms depend on the data they take, not on
how it is read: lastfm_recs.warehouse_io fills it from the warehouse, the
tests from small hand-made arrays.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class ScoringInputs:
    """What every model scores from, indexed by user_index / artist_index.

    plays_share: (n_users, n_artists) CSR, p(u, a); rows of cold users empty.
    plays: (n_users, n_artists) CSR, the raw summed plays (same pattern).
    cold_baseline: (n_artists,) share of all plays per artist (sums to 1).
    age_scaled: (n_users,) scaled age in [0, 1].
    country_index: (n_users,) index of the one-hot country, -1 for none.
    age_band_index: (n_users,) code of the user's age band (int_users_featured.age_band,
        'unknown' included), 0..n_bands - 1.
    """

    plays_share: sp.csr_matrix
    plays: sp.csr_matrix
    cold_baseline: np.ndarray
    age_scaled: np.ndarray
    country_index: np.ndarray
    age_band_index: np.ndarray
