"""The recommenders the evaluation compares, behind one signature.

Every entry of ``RECOMMENDERS`` is a function

    recommend(inputs: ScoringInputs, users: np.ndarray, top_n: int,
              rng: np.random.Generator, **params)
        -> (user_index, rank, artist_index, score)

fitted on ``inputs`` (the training data) that returns, for each user index in
``users``, up to ``top_n`` artists the user has no training plays for, with a
positive score, rank 1 = highest score, ties broken by artist index (MBID
order); the four arrays have one entry per recommendation, ordered by user
then rank. ``rng`` is the only source of randomness; ``params`` carries the
tuning knobs (``neighbors``) and a ``progress`` callback, and a model takes
what it needs. A new model (item kNN, ALS, EASE, ...) is one function and one
entry in ``RECOMMENDERS``; the evaluation models in dbt pick it up by name.
"""
from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable

import numpy as np
import scipy.sparse as sp

from lastfm_recs.knn import recommend_user_knn
from lastfm_recs.warehouse_io import ScoringInputs

Recommendations = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
Recommender = Callable[..., Recommendations]

# Query users handled at once by the vectorised top-n selection.
_BLOCK_USERS = 8192


def _empty() -> Recommendations:
    return (
        np.zeros(0, np.int64),
        np.zeros(0, np.int64),
        np.zeros(0, np.int64),
        np.zeros(0, np.float64),
    )


def _concat(parts: list[Recommendations]) -> Recommendations:
    if not parts:
        return _empty()
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(4))  # type: ignore[return-value]


def listeners(plays: sp.csr_matrix) -> np.ndarray:
    """(n_artists,) number of users with plays of each artist (column nnz)."""
    return np.bincount(plays.indices[plays.data > 0], minlength=plays.shape[1])


def first_unseen(users: np.ndarray, candidates: np.ndarray, seen: sp.csr_matrix, top_n: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each query user, the first ``top_n`` of its candidates it has not seen.

    users: (q,) user indices (rows of ``seen``).
    candidates: (q, c) artist indices per user, best first, distinct per row.
    seen: (n_users, n_artists) CSR; a stored entry means "seen".
    Returns (row, rank, column, artist_index): row and column locate the kept
    candidate in ``candidates`` (rank 1..top_n within the row), ordered by row
    then rank.
    """
    n_artists = seen.shape[1]
    rows = seen[users]
    seen_keys = np.repeat(np.arange(len(users), dtype=np.int64), np.diff(rows.indptr)) * n_artists + rows.indices
    keys = np.arange(len(users), dtype=np.int64)[:, None] * n_artists + candidates
    unseen = ~np.isin(keys, seen_keys)
    rank = np.cumsum(unseen, axis=1)
    row, column = np.nonzero(unseen & (rank <= top_n))
    return row, rank[row, column], column, candidates[row, column]


def _max_seen(seen: sp.csr_matrix, users: np.ndarray) -> int:
    counts = np.diff(seen.indptr)[users]
    return int(counts.max()) if len(counts) else 0


def popularity(inputs: ScoringInputs, users: np.ndarray, top_n: int, rng: np.random.Generator,
               **params) -> Recommendations:
    """Most listeners first: score(u, a) = listeners(a) / n_users, the same
    for every user, over the artists with at least one listener that u has
    not played; ties by artist index. ``rng`` is not used."""
    count = listeners(inputs.plays)
    order = np.lexsort((np.arange(len(count)), -count))
    order = order[count[order] > 0]
    score = count / max(inputs.plays.shape[0], 1)
    parts = []
    for start in range(0, len(users), _BLOCK_USERS):
        block = users[start:start + _BLOCK_USERS]
        width = min(len(order), top_n + _max_seen(inputs.plays, block))
        candidates = np.broadcast_to(order[:width], (len(block), width))
        row, rank, _, artist = first_unseen(block, candidates, inputs.plays, top_n)
        parts.append((block[row], rank, artist, score[artist]))
    return _concat(parts)


def random(inputs: ScoringInputs, users: np.ndarray, top_n: int, rng: np.random.Generator,
           **params) -> Recommendations:
    """Uniformly random: each user draws a uniform score in (0, 1] for every
    artist with at least one listener and gets the ``top_n`` highest-scored
    artists it has not played (drawn as a random sample without replacement
    of the catalogue, given scores sorted in descending order)."""
    catalogue = np.flatnonzero(listeners(inputs.plays) > 0)
    parts = []
    for start in range(0, len(users), _BLOCK_USERS):
        block = users[start:start + _BLOCK_USERS]
        width = min(len(catalogue), top_n + _max_seen(inputs.plays, block))
        if width == 0:
            continue
        drawn = np.stack([rng.choice(len(catalogue), size=width, replace=False) for _ in block])
        scores = -np.sort(-(1.0 - rng.random((len(block), width))), axis=1)
        row, rank, column, artist = first_unseen(block, catalogue[drawn], inputs.plays, top_n)
        parts.append((block[row], rank, artist, scores[row, column]))
    return _concat(parts)


def _user_knn(inputs: ScoringInputs, users: np.ndarray, top_n: int, age_scaled: np.ndarray,
              country_index: np.ndarray, neighbors: int, progress=None) -> Recommendations:
    # recommend_user_knn scores every user; keep the queried ones.
    user_index, rank, artist_index, score = recommend_user_knn(
        inputs.plays_share,
        inputs.cold_baseline,
        age_scaled,
        country_index,
        neighbors=neighbors,
        top_n=top_n,
        progress=progress,
    )
    keep = np.isin(user_index, users)
    return user_index[keep], rank[keep], artist_index[keep], score[keep]


def user_knn(inputs: ScoringInputs, users: np.ndarray, top_n: int, rng: np.random.Generator,
             neighbors: int = 99, progress=None, **params) -> Recommendations:
    """The seed's user-user kNN as SPEC 2 specifies it (lastfm_recs.knn), on
    [normalised plays, scaled age, country one-hot]. ``rng`` is not used."""
    return _user_knn(inputs, users, top_n, inputs.age_scaled, inputs.country_index, neighbors, progress)


def user_knn_plays_only(inputs: ScoringInputs, users: np.ndarray, top_n: int, rng: np.random.Generator,
                        neighbors: int = 99, progress=None, **params) -> Recommendations:
    """user_knn without the profile features: every scaled age 0 and every
    country empty, so the distance is on normalised plays alone."""
    n_users = inputs.plays_share.shape[0]
    return _user_knn(inputs, users, top_n, np.zeros(n_users), np.full(n_users, -1, np.int64), neighbors, progress)


RECOMMENDERS: dict[str, Recommender] = {
    "popularity": popularity,
    "random": random,
    "user_knn": user_knn,
    "user_knn_plays_only": user_knn_plays_only,
}


def model_rng(seed: int, name: str) -> np.random.Generator:
    """The Generator of one model in one run: a function of the seed and the
    model's name only, so adding or reordering models changes nothing else."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode("utf-8"))])


def recommend_with(names: Iterable[str], inputs: ScoringInputs, users: np.ndarray, top_n: int, seed: int,
                   progress: Callable[[str], None] | None = None, **params) -> dict[str, Recommendations]:
    """Fit and run each named recommender on ``inputs`` for ``users``.

    Returns name -> (user_index, rank, artist_index, score). Unknown names
    raise ValueError listing the known ones.
    """
    names = list(names)
    unknown = [n for n in names if n not in RECOMMENDERS]
    if unknown:
        raise ValueError(f"unknown recommender(s) {unknown}; expected names from {sorted(RECOMMENDERS)}")
    users = np.unique(np.asarray(users, dtype=np.int64))
    results = {}
    for name in names:
        if progress:
            progress(f"{name}: scoring {len(users)} users")
        results[name] = RECOMMENDERS[name](inputs, users, top_n, model_rng(seed, name), progress=progress, **params)
        if progress:
            progress(f"{name}: {len(results[name][0])} recommendations")
    return results
