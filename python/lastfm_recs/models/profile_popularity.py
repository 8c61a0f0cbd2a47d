"""profile_popularity: what users of the same country and age band listen
to, shrunk towards the country, then towards everyone (m = ``smoothing``)::

    g(a)      = listeners(a) / warm users                       (everyone)
    c(a | C)  = (listeners in country C + m g(a)) / (warm users in C + m)
    s(u, a)   = (listeners in cell(u) + m c(a | country(u))) / (warm users in cell(u) + m)
    cell(u)   = (country(u), age band(u)); users without a country form one more
                "country"; warm users = users with plays; with m = 0, a cell (or
                country) without warm users takes its country's (everyone's) scores

It serves cold users too (they have a profile), which makes it the hybrid's
prior for them (lastfm_recs.models.hybrid).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from lastfm_recs.blocks import Progress
from lastfm_recs.checks import check_count, check_number
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.ranking import Recommendations, empty_recommendations, first_unseen
from lastfm_recs.weighting import listeners


@dataclass(frozen=True)
class ProfilePopularity:
    """Fitted profile_popularity: listeners per cell and per country."""

    seen: sp.csr_matrix
    cell_of_user: np.ndarray  # (n_users,) cell code
    country_of_cell: np.ndarray  # (n_cells,) the cell's country group (users without a country: one group)
    cell_listeners: sp.csr_matrix  # (n_cells, A)
    cell_users: np.ndarray  # (n_cells,) warm users
    country_listeners: sp.csr_matrix  # (n_countries, A)
    country_users: np.ndarray
    everyone: np.ndarray  # (A,) g(a)
    cell_most_played: np.ndarray  # (n_cells,) most artists played by a user of the cell
    smoothing: float
    _ranked: dict = field(default_factory=dict, repr=False)  # (cell, top_n) -> ranked artists, scores

    def cell_scores(self, cell: int) -> np.ndarray:
        """(A,) s(u, .) of the users of ``cell`` (module docstring)."""
        m = self.smoothing
        country = self.country_of_cell[cell]
        by_country = self.everyone
        if self.country_users[country] + m > 0:  # else (m = 0, no warm user there): everyone's
            by_country = (self.country_listeners[country].toarray().ravel() + m * self.everyone) / (
                self.country_users[country] + m)
        if self.cell_users[cell] + m == 0:
            return by_country
        return (self.cell_listeners[cell].toarray().ravel() + m * by_country) / (self.cell_users[cell] + m)

    def ranked(self, cells: np.ndarray, top_n: int) -> tuple[np.ndarray, np.ndarray]:
        """(len(cells), width) artists of each cell, best first (by score,
        ties by index, -1 padding), and their scores: enough for top_n
        unplayed ones for every user of the cell (cached per cell)."""
        lists = []
        for cell in cells.tolist():
            key = (cell, top_n)
            if key not in self._ranked:
                scores = self.cell_scores(cell)
                width = min(int((scores > 0).sum()), top_n + int(self.cell_most_played[cell]))
                # every artist tied with the width-th best is kept, so that ties go by index
                kth = -np.partition(-scores, width - 1)[width - 1] if width else np.inf
                best = np.flatnonzero((scores >= kth) & (scores > 0))
                best = best[np.lexsort((best, -scores[best]))]
                self._ranked[key] = (best, scores[best])
            lists.append(self._ranked[key])
        width = max((len(best) for best, _ in lists), default=0)
        artists = np.full((len(lists), width), -1, dtype=np.int64)
        scores = np.zeros((len(lists), width))
        for i, (best, best_scores) in enumerate(lists):
            artists[i, :len(best)] = best
            scores[i, :len(best)] = best_scores
        return artists, scores

    def recommend(self, users: np.ndarray, top_n: int) -> Recommendations:
        top_n = check_count("top_n", top_n, 1)
        users = np.unique(np.asarray(users, dtype=np.int64))
        cells, cell_row = np.unique(self.cell_of_user[users], return_inverse=True)
        artists, scores = self.ranked(cells, top_n)
        if artists.shape[1] == 0:
            return empty_recommendations()
        row, rank, column, artist = first_unseen(users, artists[cell_row], self.seen, top_n)
        return Recommendations(users[row], rank, artist, scores[cell_row[row], column])


def fit_profile_popularity(inputs: ScoringInputs, rng: np.random.Generator, *, smoothing: float = 50.0,
                           progress: Progress | None = None) -> ProfilePopularity:
    """profile_popularity (module docstring); ``rng`` is not used."""
    smoothing = check_number("smoothing", smoothing, 0.0)
    n_users = inputs.plays.shape[0]
    country = np.where(inputs.country_index >= 0, inputs.country_index, -1)
    _, country_code = np.unique(country, return_inverse=True)
    n_bands = int(inputs.age_band_index.max()) + 1 if n_users else 1
    cell_keys, cell_of_user = np.unique(country_code * n_bands + inputs.age_band_index, return_inverse=True)
    warm = (np.diff(inputs.plays.indptr) > 0).astype(np.float64)
    listened = sp.csr_matrix(inputs.plays, copy=True)
    listened.data = (listened.data > 0).astype(np.float64)

    def by_group(code: np.ndarray, n_groups: int) -> tuple[sp.csr_matrix, np.ndarray]:
        members = sp.csr_matrix((warm, (code, np.arange(n_users))), shape=(n_groups, n_users))
        return sp.csr_matrix(members @ listened), np.asarray(members.sum(axis=1)).ravel()

    cell_listeners, cell_users = by_group(cell_of_user, len(cell_keys))
    n_countries = int(country_code.max()) + 1 if n_users else 0
    country_listeners, country_users = by_group(country_code, n_countries)
    everyone = listeners(inputs.plays) / max(warm.sum(), 1.0)
    cell_most_played = np.zeros(len(cell_keys), dtype=np.int64)
    np.maximum.at(cell_most_played, cell_of_user, np.diff(inputs.plays.indptr))
    return ProfilePopularity(
        seen=inputs.plays,
        cell_of_user=cell_of_user,
        country_of_cell=cell_keys // n_bands,
        cell_listeners=cell_listeners,
        cell_users=cell_users,
        country_listeners=country_listeners,
        country_users=country_users,
        everyone=everyone,
        cell_most_played=cell_most_played,
        smoothing=smoothing,
    )
