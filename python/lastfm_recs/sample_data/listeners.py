"""Users (profile fields, taste) and the artists and plays of their lists."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from lastfm_recs.sample_data.catalogue import Catalogue
from lastfm_recs.sample_data.plan import (
    DRAWS,
    EMPTY_COUNTRY_SHARE,
    EXTRA_ROUNDS,
    LOCAL_SHARE,
    MAINSTREAM_A,
    MAINSTREAM_B,
    NAME_ONLY_ROW_SHARE,
    PLAYS_LOG_MEDIAN,
    PLAYS_NOISE,
    PLAYS_RANK_EXPONENT,
    PLAYS_RANK_SD,
    PLAYS_USER_SD,
    SCENE_SHARE,
    TAIL_SHARE,
    Plan,
)


# --- users -------------------------------------------------------------------
@dataclass
class Users:
    """Per-user attributes, users sorted by id (as in the real files).

    ``country`` is an index into the countries seed or -1 (empty); ``age`` is
    ``AGE_EMPTY`` when empty; ``n_rows`` is the number of distinct artists the
    user lists (0 for cold users); ``mu`` the log play level of the user's top
    artist and ``decline`` how fast log plays fall with ln(rank); ``scenes`` /
    ``scene_w`` the user's 1-3 scenes and mixing weights; ``mainstream``
    the share of draws from global popularity. Taste is drawn independently
    of the profile fields (only the local-artist share depends on the
    country).
    """

    ids: list[str]
    country: np.ndarray
    gender: np.ndarray
    age: np.ndarray
    signup: list[str]
    has_profile: np.ndarray
    n_rows: np.ndarray
    mu: np.ndarray
    decline: np.ndarray
    scenes: np.ndarray
    scene_w: np.ndarray
    mainstream: np.ndarray


AGE_EMPTY = -(10 ** 9)
SIGNUP_FIRST = dt.date(2002, 2, 1)
SIGNUP_LAST = dt.date(2009, 10, 31)


def build_users(rng: np.random.Generator, plan: Plan, cweights: np.ndarray, scene_share: np.ndarray) -> Users:
    """Draw the users: ids, profile fields, taste (scenes), list length, activity.

    96% of users with plays list exactly 50 artists, 4% between 1 and 49.
    Ages: 14 + Gamma(2.55, 4.5) rounded (mode ~21), 20% empty. Signup day:
    first + (last - first) * U^0.6 (more recent signups are more common).
    Taste: 1-3 scenes drawn by their share of head popularity, Dirichlet(1.5)
    weights; mainstream share ~ Beta(MAINSTREAM_A, MAINSTREAM_B).
    """
    n = plan.n_users
    raw = rng.integers(0, 256, size=(n, 20), dtype=np.uint8).tobytes().hex()
    ids = sorted(raw[i:i + 40] for i in range(0, 40 * n, 40))
    if len(set(ids)) != n:  # 160 random bits: never in practice
        raise RuntimeError("duplicate user ids drawn; try another seed")
    empty_country = rng.random(n) < EMPTY_COUNTRY_SHARE
    country = np.where(empty_country, -1, rng.choice(len(cweights), size=n, p=cweights))
    gender = rng.choice(np.array(["m", "f", ""]), size=n, p=[0.67, 0.24, 0.09])
    age = np.rint(14 + rng.gamma(2.55, 4.5, size=n)).astype(np.int64)
    age[rng.random(n) < 0.20] = AGE_EMPTY
    span = (SIGNUP_LAST - SIGNUP_FIRST).days
    day = (span * rng.random(n) ** 0.6).astype(np.int64)
    signup = [_format_date(SIGNUP_FIRST + dt.timedelta(days=int(d))) for d in day]

    n_rows = np.where(rng.random(n) < 0.96, 50, rng.integers(1, 50, size=n))
    cold = rng.choice(n, size=plan.cold_users, replace=False)
    n_rows[cold] = 0
    has_profile = np.ones(n, dtype=bool)
    has_profile[rng.choice(np.flatnonzero(n_rows > 0), size=plan.no_profile_users, replace=False)] = False
    mu = rng.normal(PLAYS_LOG_MEDIAN, PLAYS_USER_SD, size=n)

    scenes = rng.choice(scene_share.size, size=(n, 3), p=scene_share)
    n_scenes = rng.choice([1, 2, 3], size=n, p=[0.35, 0.40, 0.25])
    scene_w = rng.dirichlet(np.full(3, 1.5), size=n) * (np.arange(3) < n_scenes[:, None])
    scene_w /= scene_w.sum(axis=1, keepdims=True)
    mainstream = rng.beta(MAINSTREAM_A, MAINSTREAM_B, size=n)
    decline = np.maximum(0.05, rng.normal(PLAYS_RANK_EXPONENT, PLAYS_RANK_SD, size=n))
    return Users(ids=ids, country=country, gender=gender, age=age, signup=signup,
                 has_profile=has_profile, n_rows=n_rows, mu=mu, decline=decline, scenes=scenes, scene_w=scene_w,
                 mainstream=mainstream)


def _format_date(d: dt.date) -> str:
    """'Feb 1, 2007' (the real files' format, locale independent)."""
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    return f"{months[d.month - 1]} {d.day}, {d.year}"


# --- plays -------------------------------------------------------------------


def _sample(cdf: np.ndarray, ids: np.ndarray, segment: np.ndarray | int, u: np.ndarray) -> np.ndarray:
    """Items drawn from segmented inverse-CDF tables (see ``Catalogue``)."""
    idx = np.searchsorted(cdf, segment + u, side="right")
    return ids[np.minimum(idx, len(ids) - 1)]


def first_distinct(cand: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first ``k[i]`` distinct values of each row of ``cand`` (n, m), in
    column order. Returns (row, value, rank) of the kept cells, rank 1..k[i],
    and the number of distinct values found per row is max(rank) of the row."""
    order = np.argsort(cand, axis=1, kind="stable")
    sorted_cand = np.take_along_axis(cand, order, axis=1)
    dup = np.zeros(cand.shape, dtype=bool)
    dup[np.arange(cand.shape[0])[:, None], order[:, 1:]] = sorted_cand[:, 1:] == sorted_cand[:, :-1]
    rank = np.cumsum(~dup, axis=1)
    r, c = np.nonzero(~dup & (rank <= k[:, None]))
    return r, cand[r, c], rank[r, c]


def mixture_draws(rng: np.random.Generator, cat: Catalogue, users: Users, idx: np.ndarray, m: int) -> np.ndarray:
    """``m`` candidate artists for each user of ``idx``, shape (len(idx), m).

    Each draw comes from global popularity (the user's ``mainstream``
    share), from the user's country's local pool (LOCAL_SHARE, when the
    country has local artists), from the tail of one of the user's scenes
    (TAIL_SHARE, uniform: the artists nobody else in a small sample plays),
    or else from the head of one of the user's scenes (SCENE_SHARE) or of
    that scene's genre, the scene picked by the user's scene weights.
    """
    n = idx.size
    country = users.country[idx]
    local_share = np.where((country >= 0) & cat.has_local[np.maximum(country, 0)], LOCAL_SHARE, 0.0)
    src = rng.random((n, m))
    u = rng.random((n, m))
    glob = users.mainstream[idx][:, None]
    local_end = glob + local_share[:, None]
    use_global = src < glob
    use_local = (src >= glob) & (src < local_end)
    use_tail = (src >= local_end) & (src < local_end + TAIL_SHARE)
    taste = ~(use_global | use_local | use_tail)
    use_scene = taste & (rng.random((n, m)) < SCENE_SHARE)
    use_genre = taste & ~use_scene
    col = (rng.random((n, m))[:, :, None] > np.cumsum(users.scene_w[idx], axis=1)[:, None, :]).sum(-1)
    scene = np.take_along_axis(users.scenes[idx], np.minimum(col, 2), axis=1)
    cand = np.empty((n, m), dtype=np.int64)
    cand[use_global] = _sample(cat.global_cdf, cat.global_ids, 0, u[use_global])
    cand[use_local] = _sample(cat.local_cdf, cat.local_ids, np.broadcast_to(country[:, None], (n, m))[use_local],
                              u[use_local])
    cand[use_tail] = _sample(cat.tail_cdf, cat.tail_ids, scene[use_tail], u[use_tail])
    cand[use_scene] = _sample(cat.scene_cdf, cat.scene_ids, scene[use_scene], u[use_scene])
    cand[use_genre] = _sample(cat.genre_cdf, cat.genre_ids, cat.scene_genre[scene[use_genre]], u[use_genre])
    return cand


def draw_artists(rng: np.random.Generator, cat: Catalogue, users: Users, lo: int, hi: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct top artists of users ``lo:hi``: (user, artist, rank) per row.

    Each user gets ``DRAWS`` candidates from ``mixture_draws`` and keeps the
    first ``n_rows`` distinct ones in draw order, rank 1 first. Users left
    short get up to ``EXTRA_ROUNDS`` more rounds of ``DRAWS`` candidates,
    then one round uniform over the catalogue; a user still short keeps
    fewer artists.
    """
    k = users.n_rows
    rows = np.arange(lo, hi)
    cand = mixture_draws(rng, cat, users, rows, DRAWS)
    out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for attempt in range(EXTRA_ROUNDS + 2):
        r, artist, rank = first_distinct(cand, k[rows])
        ok = (np.bincount(r, minlength=rows.size) >= k[rows]) | (attempt == EXTRA_ROUNDS + 1)
        keep = ok[r]
        out.append((rows[r[keep]], artist[keep], rank[keep]))
        rows, cand = rows[~ok], cand[~ok]
        if rows.size == 0:
            break
        more = (mixture_draws(rng, cat, users, rows, DRAWS) if attempt < EXTRA_ROUNDS
                else rng.integers(0, len(cat.mbids), size=(rows.size, DRAWS)))
        cand = np.hstack([cand, more])
    user, artist, rank = (np.concatenate(parts) for parts in zip(*out, strict=True))
    return user, artist, rank


@dataclass
class Chunk:
    """Well-formed play rows of a chunk of users, before formatting."""

    user: np.ndarray
    artist: np.ndarray  # -1 for name-only rows
    text: np.ndarray
    plays: np.ndarray
    empty_name: np.ndarray


def make_rows(rng: np.random.Generator, cat: Catalogue, users: Users, lo: int, hi: int) -> Chunk:
    """Play rows of users ``lo:hi``: spelling, name-only replacement, plays.

    plays = max(1, round(exp(mu_u - b_u ln(rank) + Laplace(0, 0.45)))), mu_u ~
    N(7.88, 0.65^2), b_u ~ max(0.05, N(0.8, 0.3^2)), so plays fall with the
    artist's rank in the user's list (per row: median ~250, p10 ~35, p90
    ~1,450, p99 ~6,500, like the real HetRec counts); the spelling is drawn from the artist's
    spelling weights; ~1.1% of rows get a name-only artist (empty MBID).
    """
    user, artist, rank = draw_artists(rng, cat, users, lo, hi)
    m = user.size
    log_plays = users.mu[user] - users.decline[user] * np.log(rank) + rng.laplace(0, PLAYS_NOISE, m)
    plays = np.maximum(1, np.rint(np.exp(log_plays))).astype(np.int64)
    text = np.searchsorted(cat.spell_cdf, artist + rng.random(m), side="right")
    text = np.minimum(text, cat.n_mbid_spellings - 1)
    name_only = rng.random(m) < NAME_ONLY_ROW_SHARE
    no = int(name_only.sum())
    text[name_only] = cat.n_mbid_spellings + _sample(cat.name_only_cdf, np.arange(len(cat.name_only_cdf)), 0,
                                                     rng.random(no))
    artist = np.where(name_only, -1, artist)
    return Chunk(user=user, artist=artist, text=text, plays=plays, empty_name=np.zeros(m, dtype=bool))
