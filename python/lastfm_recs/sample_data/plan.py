"""Sizes, model parameters, dirt counts and countries of a synthetic dataset."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PLAYS_FILE = "usersha1-artmbid-artname-plays.tsv"
PROFILE_FILE = "usersha1-profile.tsv"
COUNTRIES_CSV = Path(__file__).resolve().parents[3] / "seeds" / "countries.csv"

FULL_USERS = 359_347

# Model parameters, calibrated against the HetRec 2011 Last.fm statistics
# (1,892 real users: 17,632 artists, 61% with a single listener, top 1% of
# artists on 32% of user-artist rows, top 10% on 70%, plays per row median
# 260) and kept close to the Last.fm 360K sizes at full scale.
# The MBID catalogue has two parts. The head: popular to obscure artists,
# HEAD_AT_REF artists at REF_USERS users, growing as (n / REF_USERS)
# ^ HEAD_EXPONENT. The tail: artists of one scene that a listener finds on
# their own (the single-listener artists of small samples), TAIL_AT_REF
# growing as (n / REF_USERS) ^ TAIL_EXPONENT. Name-only artists grow linearly.
REF_USERS = 946
HEAD_AT_REF = 6_000
HEAD_EXPONENT = 0.4
TAIL_AT_REF = 40_000
TAIL_EXPONENT = 0.2
NAME_ONLY_CATALOGUE_FULL = 164_000
# Head popularity (r + POP_OFFSET)^-POP_EXPONENT by global rank r; the share
# of head artists local to a country, and their weight outside that country.
POP_OFFSET = 50.0
POP_EXPONENT = 1.4
LOCAL_ARTIST_SHARE = 0.15
LOCAL_WEIGHT_ABROAD = 0.3
# Taste: scenes (fine clusters) grouped into genres; about SCENE_SIZE head
# artists per scene and SCENES_PER_GENRE scenes per genre.
SCENE_SIZE = 50
SCENES_PER_GENRE = 6
# Where a user's candidate artists come from: global popularity (per-user
# share ~ Beta(MAINSTREAM_A, MAINSTREAM_B)), the country's local artists
# (LOCAL_SHARE), the tail of one of the user's scenes (TAIL_SHARE), else the
# head of one of the user's scenes (SCENE_SHARE of those) or of its genre.
MAINSTREAM_A = 2.0
MAINSTREAM_B = 6.0
LOCAL_SHARE = 0.06
TAIL_SHARE = 0.12
SCENE_SHARE = 0.4
DRAWS = 80  # candidates per round; up to EXTRA_ROUNDS more for users left short
EXTRA_ROUNDS = 2
# Rows whose artist is replaced by a name-only one, popularity rank^-0.35.
NAME_ONLY_ROW_SHARE = 0.011
NAME_ONLY_EXPONENT = 0.35
# log plays = N(PLAYS_LOG_MEDIAN, PLAYS_USER_SD) per user
#             - b_u * ln(rank in the user's list) + Laplace(0, PLAYS_NOISE),
# b_u = max(0.05, N(PLAYS_RANK_EXPONENT, PLAYS_RANK_SD)) per user (real lists
# fall by ~0.8 ln(rank) on average, some much faster than others).
PLAYS_LOG_MEDIAN = 7.88
PLAYS_USER_SD = 0.65
PLAYS_RANK_EXPONENT = 0.8
PLAYS_RANK_SD = 0.3
PLAYS_NOISE = 0.45

# Share of users per country in the real profile file (top 20); the rest of
# the countries of seeds/countries.csv share what is left, Zipf-like.
TOP_COUNTRY_SHARES = {
    "United States": 0.190, "Germany": 0.086, "United Kingdom": 0.082,
    "Poland": 0.070, "Russian Federation": 0.053, "Brazil": 0.040,
    "Sweden": 0.037, "Spain": 0.036, "Finland": 0.032, "Netherlands": 0.027,
    "Canada": 0.024, "France": 0.021, "Italy": 0.021, "Australia": 0.021,
    "Japan": 0.018, "Turkey": 0.018, "Norway": 0.015, "Mexico": 0.013,
    "Czech Republic": 0.013, "Ukraine": 0.013,
}
EMPTY_COUNTRY_SHARE = 0.01

# --- sizes -------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """Sizes of a dataset of ``n_users`` users, and the count of each dirt kind.

    The head and tail of the MBID catalogue grow sublinearly with the number
    of users, like the distinct artists of a growing sample of listeners
    (see the parameters above); the name-only catalogue (mostly
    single-listener names) grows linearly. Every dirt count is
    ``max(floor, round(rate * size))``, where size is the expected number of
    play rows or of users.
    """

    n_users: int
    n_head: int
    n_tail: int
    n_name_only: int
    n_scenes: int
    n_genres: int
    cold_users: int
    no_profile_users: int
    dirt: dict[str, int]

    @classmethod
    def for_users(cls, n_users: int) -> Plan:
        ref = n_users / REF_USERS
        n_head = max(300, round(HEAD_AT_REF * ref ** HEAD_EXPONENT))
        n_tail = max(300, round(TAIL_AT_REF * ref ** TAIL_EXPONENT))
        n_name_only = max(30, round(NAME_ONLY_CATALOGUE_FULL * n_users / FULL_USERS))
        n_scenes = max(4, n_head // SCENE_SIZE)
        n_genres = max(2, n_scenes // SCENES_PER_GENRE)
        rows = 48.7 * n_users

        def count(rate: float, size: float, floor: int) -> int:
            return max(floor, round(rate * size))

        cap = n_users // 10
        dirt = {
            # plays file, row level
            "two_spellings_one_user": count(2e-4, rows, 6),
            "empty_name_with_mbid": count(2e-6, rows, 3),
            "zero_plays": count(1e-5, rows, 4),
            "negative_plays": count(3e-6, rows, 3),
            "plays_crlf": count(5e-4, rows, 6),
            # plays file, malformed lines
            "plays_too_few_fields": count(1e-6, rows, 3),
            "plays_too_many_fields": count(1e-6, rows, 3),
            "plays_non_numeric": count(2e-6, rows, 4),
            "plays_empty_line": count(2e-7, rows, 2),
            # profile file
            "age_negative": count(1e-4, n_users, 3),
            "age_over_100": count(1e-4, n_users, 3),
            "signup_empty": count(2e-4, n_users, 3),
            "duplicate_profile": count(1e-4, n_users, 3),
            "profile_crlf": count(5e-4, n_users, 6),
            "profile_too_few_fields": count(2e-5, n_users, 3),
            "profile_too_many_fields": count(2e-5, n_users, 3),
            "profile_empty_line": count(5e-6, n_users, 2),
        }
        return cls(
            n_users=n_users,
            n_head=n_head,
            n_tail=n_tail,
            n_name_only=n_name_only,
            n_scenes=n_scenes,
            n_genres=n_genres,
            cold_users=min(cap, count(5e-3, n_users, 3)),
            no_profile_users=min(cap, count(2e-4, n_users, 3)),
            dirt=dirt,
        )


# --- countries ---------------------------------------------------------------
def load_countries(path: Path = COUNTRIES_CSV) -> tuple[list[str], list[str]]:
    """Country names and ISO alpha-2 codes of the countries seed, in file order."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["country_name"] for r in rows], [r["iso_alpha2"] for r in rows]


def country_weights(names: list[str], rng: np.random.Generator) -> np.ndarray:
    """Probability of each country for a user with a non-empty country.

    The top-20 names get their real shares; the remaining mass is spread over
    the other names in a random order with weights proportional to rank^-0.7.
    """
    w = np.array([TOP_COUNTRY_SHARES.get(n, 0.0) for n in names])
    missing = set(TOP_COUNTRY_SHARES) - set(names)
    if missing:
        raise ValueError(f"{COUNTRIES_CSV}: expected country names {sorted(missing)}")
    rest = np.flatnonzero(w == 0)
    tail = (np.arange(1, rest.size + 1) ** -0.7)[rng.permutation(rest.size)]
    w[rest] = tail / tail.sum() * (1.0 - EMPTY_COUNTRY_SHARE - w.sum())
    return w / w.sum()
