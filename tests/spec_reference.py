"""A straightforward implementation of docs/spec.md section 2, straight from the raw
files, used as the independent reference in the end-to-end tests.

It shares no code with the warehouse: plain Python parsing, dense numpy
matrices, sklearn brute-force neighbours and a per-user loop, exactly as the
docs/spec.md reads. Only for small data.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.neighbors import NearestNeighbors

PLAYS_FILE = "usersha1-artmbid-artname-plays.tsv"
PROFILE_FILE = "usersha1-profile.tsv"
INTEGER = re.compile(r"-?[0-9]{1,18}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def raw_lines(path: Path) -> list[str]:
    """The lines of a file as a text editor counts them (\\n or \\r\\n ends a line)."""
    text = path.read_bytes().decode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def in_sample(user_id: str, fraction: float, seed: int) -> bool:
    """Sampling as in docs/spec.md: md5 of 'seed:user_id' read as a little-endian integer."""
    if fraction >= 1:
        return True
    digest = hashlib.md5(f"{seed}:{user_id}".encode()).digest()
    return int.from_bytes(digest, "little") % 1_000_000 < round(fraction * 1_000_000)


@dataclass
class Reference:
    users: list[str]
    artists: list[str]
    raw: np.ndarray  # (n, m) plays(u, a)
    share: np.ndarray  # (n, m) p(u, a), cold rows = baseline
    features: np.ndarray  # (n, m + 1 + countries)
    age: np.ndarray
    age_scaled: np.ndarray
    cold: np.ndarray


def build(data_dir: Path, gender=None, sample_fraction=1.0, sample_seed=0) -> Reference:
    profiles: dict[str, list[str]] = {}
    for line in raw_lines(data_dir / PROFILE_FILE):
        fields = line.split("\t")
        if len(fields) == 5 and fields[0] and fields[0] not in profiles:
            profiles[fields[0]] = fields
    scope = sorted(
        user
        for user, fields in profiles.items()
        if (gender is None or fields[1] == gender) and in_sample(user, sample_fraction, sample_seed)
    )
    in_scope = set(scope)

    plays: dict[tuple[str, str], int] = defaultdict(int)
    for line in raw_lines(data_dir / PLAYS_FILE):
        fields = line.split("\t")
        if len(fields) != 4 or not fields[0] or not INTEGER.fullmatch(fields[3]):
            continue
        user, mbid, count = fields[0], fields[1].lower(), int(fields[3])
        if count <= 0 or user not in in_scope or not mbid or not UUID.fullmatch(mbid):
            continue
        plays[(user, mbid)] += count

    artists = sorted({mbid for _, mbid in plays})
    user_pos = {u: i for i, u in enumerate(scope)}
    artist_pos = {a: j for j, a in enumerate(artists)}
    raw = np.zeros((len(scope), len(artists)))
    for (user, mbid), count in plays.items():
        raw[user_pos[user], artist_pos[mbid]] = count

    totals = raw.sum(axis=1)
    cold = totals == 0
    share = np.zeros_like(raw)
    share[~cold] = raw[~cold] / totals[~cold, None]
    if cold.any() and (~cold).any():
        baseline = raw[~cold].mean(axis=0)
        share[cold] = baseline / baseline.sum()

    ages = []
    for user in scope:
        text = profiles[user][2]
        age = int(text) if INTEGER.fullmatch(text) else None
        ages.append(age if age is not None and 0 <= age <= 100 else None)
    valid = [a for a in ages if a is not None]
    mean = sum(valid) / len(valid) if valid else 0.0
    age = np.array([a if a is not None else mean for a in ages], dtype=float)
    span = age.max() - age.min() if len(age) else 0.0
    age_scaled = (age - age.min()) / span if span > 0 else np.zeros_like(age)

    countries = sorted({profiles[u][3] for u in scope if profiles[u][3]})
    onehot = np.zeros((len(scope), len(countries)))
    for i, user in enumerate(scope):
        if profiles[user][3]:
            onehot[i, countries.index(profiles[user][3])] = 1.0

    features = np.hstack([share, age_scaled[:, None], onehot])
    return Reference(scope, artists, raw, share, features, age, age_scaled, cold)


def neighbours(ref: Reference, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """k nearest other users by brute force, and whether a user's k-th and
    (k+1)-th neighbours tie (so either may be chosen). The user itself is
    dropped even when a duplicate user comes first at distance 0."""
    n = len(ref.users)
    k = min(k, n - 1)
    want = min(k + 2, n)
    nn = NearestNeighbors(n_neighbors=want, algorithm="brute").fit(ref.features)
    dist, idx = nn.kneighbors(ref.features)
    out_idx = np.empty((n, k), dtype=int)
    out_dist = np.empty((n, k))
    tie = np.zeros(n, dtype=bool)
    for u in range(n):
        keep = idx[u] != u
        if keep.all():
            keep[-1] = False
        others, others_dist = idx[u][keep], dist[u][keep]
        out_idx[u], out_dist[u] = others[:k], others_dist[:k]
        tie[u] = len(others) > k and k > 0 and others_dist[k] - others_dist[k - 1] <= 1e-9
    return out_idx, out_dist, tie


def recommendations(ref: Reference, k: int = 99, top_n: int = 20):
    """({user_id: [(artist_mbid, score), ...]}, {user_ids with tied
    neighbour boundaries}) by a plain loop over users."""
    idx, dist, tie = neighbours(ref, k)
    max_d = dist.max() if dist.size else 0.0
    result = {}
    for u, user in enumerate(ref.users):
        weights = 1 - dist[u] / max_d if max_d > 0 else np.ones(idx.shape[1])
        scores = (weights[:, None] * ref.share[idx[u]]).sum(axis=0) / idx.shape[1]
        # unheard artists with a positive score, best first, ties by MBID
        # (ref.artists is sorted, so by column)
        candidates = np.flatnonzero((ref.raw[u] == 0) & (scores > 0))
        best = candidates[np.lexsort((candidates, -scores[candidates]))][:top_n]
        result[user] = [(ref.artists[a], float(scores[a])) for a in best]
    return result, {ref.users[u] for u in np.flatnonzero(tie)}
