"""Deterministic generator of synthetic Last.fm 360K raw files.

Writes ``usersha1-artmbid-artname-plays.tsv`` and ``usersha1-profile.tsv`` in
the exact format of the real dataset (tab separated, UTF-8, no header, no
quoting, sorted by user sha1, each user's rows by plays descending), for any
number of users up to the full 359,347, with every kind of dirt the real
files hold. Same ``(n_users, seed)``, same bytes.

How the synthetic data differs from the real Last.fm 360K dataset:

- Users, artists and names are invented: user ids and MBIDs are random hex
  (they are valid sha1 / UUID shapes but match nothing real), artist names are
  built from word and syllable lists (English, accented Latin, Cyrillic,
  Japanese, Korean and Chinese), so no real artist appears.
- Taste is a simple mixture model, not real listening: every artist has one of
  a few dozen genres and a Zipf-like popularity; each user mixes 1-3 genres
  and draws ~70% of their top artists from those genres, ~15% from global
  popularity, ~15% from artists local to their country and ~1% uniformly
  from the whole catalogue (the long tail). Real taste is far
  richer (sub-genres, eras, artist-to-artist similarity), so absolute
  recommendation quality measured here says little about the real data; the
  relative behaviour (heavy tail, sparsity, clusters) is what it reproduces.
- Marginals are matched approximately, not exactly: about 50 artists per user
  (mean ~48.7 rows), plays per row heavy tailed (median ~85, mean ~200), the
  real country shares for the top 20 countries and a random Zipf-like spread
  over the others, gender 67/24/9 % (m/f/empty), ages peaking in the early
  twenties with ~20% empty, signup dates 2002-2009. At full size the numbers
  of users and rows, and of MBID and name-only artists, are close to the real
  ones (359,347 users, ~17.5 M rows, ~187 K and ~107 K artists); smaller sizes
  use a catalogue that shrinks sublinearly with the number of users.
- Dirt is injected at fixed rates with a floor, so even a 100-user sample has
  several instances of each kind (names with ``"``, Unicode names, several
  spellings per MBID and the same user with two spellings of one MBID, empty
  MBID, valid MBID with empty name, zero and negative plays, ages empty /
  negative / over 100 including -1337 and 1002, empty gender / country /
  signup, ``\\r\\n`` line ends, malformed lines of both files, duplicate
  profile rows, users with plays but no profile, users with a profile but no
  plays). The real files hold some of these far more or far less often.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PLAYS_FILE = "usersha1-artmbid-artname-plays.tsv"
PROFILE_FILE = "usersha1-profile.tsv"
COUNTRIES_CSV = Path(__file__).resolve().parents[2] / "seeds" / "countries.csv"

FULL_USERS = 359_347
CHUNK_USERS = 8_192  # users generated and written at a time (bounds memory)

# Model parameters, calibrated against the real dataset's published figures
# (full size: 186,642 MBID artists, 107,373 name-only names, 17.5 M rows).
# Catalogue sizes at full scale; smaller datasets use size * (n / FULL_USERS)
# ^ CATALOGUE_EXPONENT MBID artists and a linear share of name-only ones.
MBID_CATALOGUE_FULL = 190_000
NAME_ONLY_CATALOGUE_FULL = 164_000
CATALOGUE_EXPONENT = 0.6
# Artist popularity (r + POP_OFFSET)^-POP_EXPONENT by global rank r; the share
# of artists local to a country, and their weight outside that country.
POP_OFFSET = 50.0
POP_EXPONENT = 1.5
LOCAL_ARTIST_SHARE = 0.35
LOCAL_WEIGHT_ABROAD = 0.15
# Where a user's candidate artists come from (the rest: the user's genres).
GLOBAL_SHARE = 0.15
NICHE_SHARE = 0.01
LOCAL_SHARE = 0.15
DRAWS = 80  # candidates per round; up to EXTRA_ROUNDS more for users left short
EXTRA_ROUNDS = 2
# Rows whose artist is replaced by a name-only one, popularity rank^-0.35.
NAME_ONLY_ROW_SHARE = 0.011
NAME_ONLY_EXPONENT = 0.35
# log plays = N(PLAYS_LOG_MEDIAN, PLAYS_USER_SD) per user
#             - PLAYS_RANK_EXPONENT * ln(rank in the user's list) + N(0, PLAYS_NOISE)
PLAYS_LOG_MEDIAN = 6.25
PLAYS_USER_SD = 1.1
PLAYS_RANK_EXPONENT = 0.6
PLAYS_NOISE = 0.4

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

# --- name material -----------------------------------------------------------
ADJECTIVES = (
    "black silver electric broken golden lonely velvet crimson hollow wild "
    "quiet burning frozen neon secret paper savage gentle bright dead "
    "sonic lucky empty holy little great cosmic dark blue white red young "
    "strange tired glass iron"
).split()
NOUNS = (
    "wolves kings hearts lights machines ghosts rivers shadows horses "
    "sisters brothers cowboys pilots engines flowers stones birds "
    "mountains children dreams vultures angels tigers monkeys owls "
    "parade orchestra circus society union project collective factory "
    "republic sound noise choir army club experience"
).split()
FIRST_NAMES = (
    "john mary paul anna james laura david emma peter kate michael sarah "
    "tom lucy frank nina marco elena victor ivy sam alice ben rosa jack "
    "grace leo iris max ruby"
).split()
LAST_NAMES = (
    "smith jones miller taylor brown wilson moore clark walker hall young "
    "king wright scott green baker adams nelson carter mitchell turner "
    "parker collins stewart morris reed cook bell murphy bailey"
).split()
SYLLABLES = (
    "ka ro mi na te lo su vi ra do ze ly ba ko ri an el or un is ta ne "
    "mo ku sa ve xi qu tor zan dra mel"
).split()
# (native, Latin) syllables; the Latin forms give the transliterated spellings.
CYRILLIC = [
    ("ру", "ru"), ("ки", "ki"), ("вв", "vv"), ("ер", "er"), ("ха", "kha"),
    ("ли", "li"), ("ма", "ma"), ("ня", "nya"), ("зе", "ze"), ("мф", "mf"),
    ("ира", "ira"), ("ка", "ka"), ("ло", "lo"), ("ве", "ve"), ("ти", "ti"),
    ("ля", "lya"), ("що", "shcho"), ("жи", "zhi"), ("чай", "chay"),
    ("ф", "f"), ("бо", "bo"), ("ски", "ski"), ("ю", "yu"), ("сто", "sto"),
    ("ды", "dy"), ("ра", "ra"), ("го", "go"), ("де", "de"),
]
KANA = [
    ("カ", "か", "ka"), ("ミ", "み", "mi"), ("ナ", "な", "na"),
    ("ト", "と", "to"), ("リ", "り", "ri"), ("ア", "あ", "a"),
    ("シ", "し", "shi"), ("ス", "す", "su"), ("ヨ", "よ", "yo"),
    ("ム", "む", "mu"), ("ラ", "ら", "ra"), ("キ", "き", "ki"),
    ("サ", "さ", "sa"), ("ユ", "ゆ", "yu"), ("ン", "ん", "n"),
    ("ハ", "は", "ha"), ("モ", "も", "mo"), ("コ", "こ", "ko"),
]
KANJI = [
    ("東京", "tokyo"), ("事変", "jihen"), ("椎名", "shiina"),
    ("林檎", "ringo"), ("宇多田", "utada"), ("光", "hikaru"),
    ("月", "tsuki"), ("桜", "sakura"), ("夜", "yoru"), ("空", "sora"),
]
HANGUL = [
    ("소", "so"), ("녀", "nyeo"), ("시", "si"), ("대", "dae"), ("빅", "big"),
    ("뱅", "bang"), ("동", "dong"), ("방", "bang"), ("신", "shin"),
    ("기", "gi"), ("서", "seo"), ("태", "tae"), ("지", "ji"), ("보", "bo"),
    ("아", "a"), ("이", "i"), ("유", "yu"), ("진", "jin"), ("하", "ha"),
    ("민", "min"),
]
HANZI = [
    ("周", "zhou"), ("杰", "jie"), ("伦", "lun"), ("王", "wang"),
    ("菲", "fei"), ("五", "wu"), ("月", "yue"), ("天", "tian"), ("林", "lin"),
    ("俊", "jun"), ("陈", "chen"), ("奕", "yi"), ("迅", "xun"),
    ("张", "zhang"), ("学", "xue"), ("友", "you"), ("刘", "liu"),
    ("德", "de"), ("华", "hua"), ("孙", "sun"), ("燕", "yan"), ("姿", "zi"),
]
# Accented letters by country (ISO alpha-2); other Latin countries get a mix.
ACCENTS = {
    "DE": "äöüß", "AT": "äöü", "CH": "äöüé", "FR": "éèêçà", "BE": "éèç",
    "ES": "áéíóñ", "MX": "áéíóñ", "AR": "áéíóñ", "CL": "áéíñ", "CO": "áéíñ",
    "PT": "ãõçáê", "BR": "ãõçáê", "SE": "åäö", "FI": "äö", "NO": "æøå",
    "DK": "æøå", "IS": "þðáó", "PL": "łśżźćęąó", "CZ": "čšžřěý",
    "SK": "čšžýá", "HU": "őűöüá", "RO": "ășțâî", "TR": "ğşıçöü",
    "IT": "àèìòù", "HR": "čćšžđ", "SI": "čšž",
}
MIXED_ACCENTS = "áéíóúäöüåøñçãłšžčěřý"
FOLD: dict[str, str | int | None] = {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE",
                                     "ß": "ss", "đ": "d", "þ": "th", "ð": "d", "ı": "i"}
FOLD_TABLE = str.maketrans(FOLD)
SCRIPT_OF_COUNTRY = {
    **dict.fromkeys("RU UA BY BG KZ RS MK KG TJ MN".split(), "cyr"),
    "JP": "ja", "KR": "ko", "KP": "ko",
    **dict.fromkeys("CN TW HK MO".split(), "zh"),
    **dict.fromkeys(ACCENTS, "acc"),
}


# --- sizes -------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """Sizes of a dataset of ``n_users`` users, and the count of each dirt kind.

    The MBID catalogue shrinks sublinearly, c(n) = C * (n / N)^0.6 (N the full
    number of users), like the distinct artists of a random subsample of
    users; the name-only catalogue (mostly single-listener names) shrinks
    linearly. Every dirt count is ``max(floor, round(rate * size))``, where
    size is the expected number of play rows or of users.
    """

    n_users: int
    n_mbid_artists: int
    n_name_only: int
    n_genres: int
    cold_users: int
    no_profile_users: int
    dirt: dict[str, int]

    @classmethod
    def for_users(cls, n_users: int) -> Plan:
        frac = n_users / FULL_USERS
        n_mbid = max(300, round(MBID_CATALOGUE_FULL * frac ** CATALOGUE_EXPONENT))
        n_name_only = max(30, round(NAME_ONLY_CATALOGUE_FULL * frac))
        n_genres = int(np.clip(n_mbid // 150, 4, 40))
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
            n_mbid_artists=n_mbid,
            n_name_only=n_name_only,
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


# --- names -------------------------------------------------------------------
def ascii_fold(s: str) -> str:
    """Drop accents: 'Sigur Rós' -> 'Sigur Ros', 'Łódź' -> 'Lodz'."""
    s = s.translate(FOLD_TABLE)
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


class Draws:
    """Uniform floats from a ``numpy.random.Generator``, drawn in blocks and
    handed out one by one (per-call numpy overhead would dominate the
    name building loops)."""

    def __init__(self, rng: np.random.Generator, block: int = 1 << 16) -> None:
        self.rng, self.block = rng, block
        self.it: Iterator[float] = iter(())

    def __call__(self) -> float:
        try:
            return next(self.it)
        except StopIteration:
            self.it = iter(self.rng.random(self.block).tolist())
            return next(self.it)

    def integer(self, lo: int, hi: int) -> int:
        """Uniform integer in [lo, hi)."""
        return lo + int(self() * (hi - lo))

    def pick(self, seq: list | tuple | str, k: int | None = None):
        """One element of ``seq`` (or a list of ``k``, with replacement)."""
        if k is None:
            return seq[int(self() * len(seq))]
        return [seq[int(self() * len(seq))] for _ in range(k)]


@functools.cache
def accent_options(letters: str) -> dict[str, list[str]]:
    """Accented letters by the plain letter they decorate: 'äöü' -> {'a': ['ä'], ...}."""
    out: dict[str, list[str]] = {}
    for x in letters:
        base = ascii_fold(x)
        if len(base) == 1:
            out.setdefault(base, []).append(x)
    return out


def make_name(draw: Draws, script: str, alpha2: str = "") -> tuple[str, str]:
    """One invented artist name and its Latin transliteration (same if Latin).

    ``script`` is 'en' (English-like), 'acc' (accented Latin, letters of the
    country ``alpha2``), 'cyr', 'ja', 'ko' or 'zh'.
    """
    if script == "cyr":
        words = [draw.pick(CYRILLIC, draw.integer(2, 4)) for _ in range(draw.integer(1, 3))]
        native = " ".join("".join(c for c, _ in w) for w in words)
        latin = " ".join("".join(lat for _, lat in w) for w in words)
        return (native.title(), latin.title()) if draw() < 0.6 else (native, latin)
    if script == "ja":
        if draw() < 0.3:
            (k1, r1), (k2, r2) = draw.pick(KANJI, 2)
            return k1 + k2, f"{r1} {r2}"
        syl = draw.pick(KANA, draw.integer(2, 5))
        col = 0 if draw() < 0.6 else 1
        return "".join(x[col] for x in syl), "".join(x[2] for x in syl)
    if script in ("ko", "zh"):
        syl = draw.pick(HANGUL if script == "ko" else HANZI, draw.integer(2, 4))
        return "".join(c for c, _ in syl), syl[0][1] + " " + "".join(lat for _, lat in syl[1:])
    name = latin_name(draw)
    if script == "acc" and (not alpha2 or draw() < 0.5):  # local names: half accented
        options = accent_options(ACCENTS.get(alpha2, MIXED_ACCENTS))
        chars = list(name)
        spots = [i for i, c in enumerate(chars) if c.lower() in options]
        for i in {draw.pick(spots) for _ in range(draw.integer(1, 3))} if spots else ():
            accented = draw.pick(options[chars[i].lower()])
            chars[i] = accented.upper() if chars[i].isupper() else accented
        name = "".join(chars)
    return name, ascii_fold(name)


def latin_name(draw: Draws) -> str:
    """An English-looking band or person name ('the silver wolves', 'kate moore')."""
    def word() -> str:
        return "".join(draw.pick(SYLLABLES, draw.integer(2, 4)))

    kind = draw.integer(0, 8)
    if kind == 0:
        name = f"the {draw.pick(ADJECTIVES)} {draw.pick(NOUNS)}"
    elif kind == 1:
        name = f"{draw.pick(FIRST_NAMES)} {draw.pick(LAST_NAMES)}"
    elif kind == 2:
        name = word()
    elif kind == 3:
        name = f"{draw.pick(ADJECTIVES)} {draw.pick(NOUNS)}"
    elif kind == 4:
        name = f"{draw.pick(NOUNS)} of {draw.pick(NOUNS)}"
    elif kind == 5:
        name = f"{word()} {draw.pick(NOUNS)}"
    elif kind == 6:
        name = f"{draw.pick(FIRST_NAMES)} {draw.pick(LAST_NAMES)} & the {draw.pick(NOUNS)}"
    else:
        name = f"dj {word()}" if draw() < 0.5 else f"{word()} {word()}"
    return name.title() if draw() < 0.3 else name


def quoted_name(draw: Draws) -> str:
    """A name holding a double quote, balanced or not ('the 7" club')."""
    w = latin_name(draw).lower()
    return [f'"{w}"', f'{draw.pick(FIRST_NAMES)} "{draw.pick(ADJECTIVES)}" {draw.pick(LAST_NAMES)}',
            f'the {draw.integer(7, 13)}" {draw.pick(NOUNS)}', f'{w} "live"'][draw.integer(0, 4)]


def spelling_variants(draw: Draws, canonical: str, latin: str, k: int) -> list[str]:
    """Up to ``k`` distinct other spellings of an artist name.

    Case variants, transliteration (Cyrillic / kana / hangul / hanzi to Latin,
    accents dropped), a 'keyboard' transliteration ('Руки Вверх' ->
    'ryki vverh'), 'the' dropped or added, '&' <-> 'and', punctuation and a
    swap of two letters.
    """
    if k <= 0:
        return []
    if latin != canonical:  # transliterations are the common variants
        common = [latin.lower(), latin]
        if any("\u0400" <= c <= "\u04ff" for c in canonical):
            common.append(latin.lower().replace("kh", "h").replace("u", "y"))
    else:
        common = [canonical.lower(), canonical.title()]
    rare = [canonical.lower(), canonical.title(), canonical.upper(), canonical + "!"]
    if canonical.isascii():
        i = draw.integer(1, max(2, len(canonical) - 2))
        rare += [
            canonical[4:] if canonical.lower().startswith("the ") else "the " + canonical,
            canonical.replace("&", "and") if "&" in canonical else canonical + ".",
            canonical.replace(" ", ""),
            canonical[:i] + canonical[i + 1:i + 2] + canonical[i:i + 1] + canonical[i + 2:],  # letter swap
        ]
    out: list[str] = []
    for c in sorted(common, key=lambda _: draw()) + sorted(rare, key=lambda _: draw()):
        if c and c != canonical and c not in out:
            out.append(c)
            if len(out) == k:
                break
    return out


def _uuid_strings(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` random version-4-shaped UUID strings."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    h = raw.tobytes().hex()
    return [f"{h[i:i + 8]}-{h[i + 8:i + 12]}-{h[i + 12:i + 16]}-{h[i + 16:i + 20]}-{h[i + 20:i + 32]}"
            for i in range(0, 32 * n, 32)]


# --- artists -----------------------------------------------------------------
@dataclass
class Catalogue:
    """Artists and their sampling distributions.

    ``texts[t]`` is the ``mbid<TAB>name`` text of spelling t (MBID artists
    first, then name-only artists as ``<TAB>name``). Artist a has spellings
    ``spell_start[a] : spell_start[a] + n_spell[a]``. The ``*_cdf`` arrays are
    segmented inverse-CDF tables: segment s covers values in [s, s + 1], so one
    ``searchsorted(cdf, s + u)`` samples from segment s.
    """

    mbids: list[str]
    texts: list[str]
    spell_start: np.ndarray
    n_spell: np.ndarray
    spell_cdf: np.ndarray
    global_ids: np.ndarray
    global_cdf: np.ndarray
    genre_ids: np.ndarray
    genre_cdf: np.ndarray
    local_ids: np.ndarray
    local_cdf: np.ndarray
    has_local: np.ndarray
    name_only_cdf: np.ndarray
    n_mbid_spellings: int
    genre_sizes: np.ndarray


def _segmented_cdf(segment: np.ndarray, weight: np.ndarray, n_segments: int) -> tuple[np.ndarray, np.ndarray]:
    """Items sorted by segment, and cdf values ``segment + cumulative share``."""
    order = np.argsort(segment, kind="stable")
    seg, w = segment[order], weight[order]
    totals = np.bincount(seg, weights=w, minlength=n_segments)
    csum = np.cumsum(w)
    starts = np.concatenate([[0.0], np.cumsum(totals)[:-1]])
    within = np.minimum((csum - starts[seg]) / np.where(totals[seg] > 0, totals[seg], 1.0), 1.0)
    last = np.flatnonzero(np.diff(seg, append=n_segments))  # last item of each segment
    within[last] = 1.0
    return order, seg + within


def build_catalogue(rng: np.random.Generator, plan: Plan, alpha2: list[str], cweights: np.ndarray) -> Catalogue:
    """Invent the MBID and name-only artists of a dataset.

    Popularity of the artist of global rank r is (r + POP_OFFSET)^-POP_EXPONENT.
    A share LOCAL_ARTIST_SHARE of artists is local to a country (drawn from
    user shares^0.8) and named in that country's script; they weigh
    LOCAL_WEIGHT_ABROAD in the global and genre pools. A few popular artists
    are forced to hold a quote or a non-ASCII name so that every sample shows
    them. Spellings per artist: 1 + Poisson(0.08 + 2 r^-0.35), one more with
    probability 0.45 for non-Latin names; canonical spelling weight 1,
    variant j weight 0.3 * 0.5^j.
    """
    n, g = plan.n_mbid_artists, plan.n_genres
    rank = np.arange(1, n + 1)
    pop = (rank + POP_OFFSET) ** -POP_EXPONENT
    genre_share = rng.dirichlet(np.full(g, 2.0))
    genre = rng.choice(g, size=n, p=genre_share)
    forced = {2: "acc", 6: "cyr", 9: "ja", 15: "ko", 24: "zh", 30: "acc", 40: "quote", 90: "quote", 160: "quote"}
    local = rng.random(n) < LOCAL_ARTIST_SHARE
    local[[i for i in forced if i < n]] = False
    home_p = cweights ** 0.8 / (cweights ** 0.8).sum()
    home = np.where(local, rng.choice(len(alpha2), size=n, p=home_p), -1)
    glob_script = rng.choice(np.array(["en", "acc", "cyr", "ja", "ko", "zh"]), size=n,
                             p=[0.86, 0.09, 0.02, 0.015, 0.005, 0.01])
    quote = rng.random(n) < 0.003
    extra = rng.poisson(0.08 + 2.0 * rank ** -0.35)
    extra_translit = rng.random(n) < 0.45
    mbids = _uuid_strings(rng, n)
    draw = Draws(rng)
    texts: list[str] = []
    n_spell = np.empty(n, dtype=np.int64)
    weights: list[float] = []
    for a in range(n):
        kind = forced.get(a)
        if kind == "quote" or (kind is None and quote[a]):
            canonical = latin = quoted_name(draw)
        else:
            if kind is not None:
                script, cc = kind, ""
            elif home[a] >= 0:
                cc = alpha2[home[a]]
                script = SCRIPT_OF_COUNTRY.get(cc, "en")
            else:
                script, cc = str(glob_script[a]), ""
            canonical, latin = make_name(draw, script, cc)
            if script in ("en", "acc") and draw() < 0.75:
                canonical, latin = canonical.lower(), latin.lower()
        k = min(5, int(extra[a]) + int(latin != canonical and extra_translit[a]))
        spellings = [canonical, *spelling_variants(draw, canonical, latin, k)]
        texts.extend(f"{mbids[a]}\t{s}" for s in spellings)
        n_spell[a] = len(spellings)
        weights.extend([1.0] + [0.3 * 0.5 ** j for j in range(len(spellings) - 1)])
    spell_start = np.concatenate([[0], np.cumsum(n_spell)[:-1]])
    owner = np.repeat(np.arange(n), n_spell)
    _, spell_cdf = _segmented_cdf(owner, np.array(weights), n)

    one = np.zeros(n, dtype=np.int64)
    mixed = pop * np.where(local, LOCAL_WEIGHT_ABROAD, 1.0)
    global_ids, global_cdf = _segmented_cdf(one, mixed, 1)
    genre_ids, genre_cdf = _segmented_cdf(genre, mixed, g)
    lid = np.flatnonzero(local)
    local_order, local_cdf = _segmented_cdf(home[lid], pop[lid], len(alpha2))

    n_mbid_spellings = len(texts)
    texts.extend(f"\t{name_only_name(draw)}" for _ in range(plan.n_name_only))
    no_rank = np.arange(1, plan.n_name_only + 1)
    _, name_only_cdf = _segmented_cdf(np.zeros(no_rank.size, dtype=np.int64), no_rank ** -NAME_ONLY_EXPONENT, 1)
    return Catalogue(
        mbids=mbids, texts=texts, spell_start=spell_start, n_spell=n_spell, spell_cdf=spell_cdf,
        global_ids=global_ids, global_cdf=global_cdf,
        genre_ids=genre_ids, genre_cdf=genre_cdf, local_ids=lid[local_order], local_cdf=local_cdf,
        has_local=np.bincount(home[lid], minlength=len(alpha2)) > 0,
        name_only_cdf=name_only_cdf, n_mbid_spellings=n_mbid_spellings, genre_sizes=np.bincount(genre, minlength=g),
    )


def name_only_name(draw: Draws) -> str:
    """A name of an artist without MBID: often a tag soup ('x feat. y',
    'x - track title', 'x (2004)'), sometimes in another script."""
    r = draw()
    base = latin_name(draw).lower()
    if r < 0.25:
        return f"{base} feat. {latin_name(draw).lower()}"
    if r < 0.45:
        return f"{base} - {draw.pick(ADJECTIVES)} {draw.pick(NOUNS)}"
    if r < 0.55:
        return f"{base} ({draw.integer(1960, 2010)})"
    if r < 0.6:
        return make_name(draw, draw.pick(("cyr", "ja", "acc")))[0]
    return base


# --- users -------------------------------------------------------------------
@dataclass
class Users:
    """Per-user attributes, users sorted by id (as in the real files).

    ``country`` is an index into the countries seed or -1 (empty); ``age`` is
    ``AGE_EMPTY`` when empty; ``n_rows`` is the number of distinct artists the
    user lists (0 for cold users); ``mu`` the log play level of the user's top
    artist; ``genres`` / ``genre_w`` the user's 1-3 genres and mixing weights.
    """

    ids: list[str]
    country: np.ndarray
    gender: np.ndarray
    age: np.ndarray
    signup: list[str]
    has_profile: np.ndarray
    n_rows: np.ndarray
    mu: np.ndarray
    genres: np.ndarray
    genre_w: np.ndarray


AGE_EMPTY = -(10 ** 9)
SIGNUP_FIRST = dt.date(2002, 2, 1)
SIGNUP_LAST = dt.date(2009, 10, 31)


def build_users(rng: np.random.Generator, plan: Plan, cweights: np.ndarray, genre_sizes: np.ndarray) -> Users:
    """Draw the users: ids, profile fields, taste (genres), list length, activity.

    96% of users with plays list exactly 50 artists, 4% between 1 and 49.
    Ages: 14 + Gamma(2.55, 4.5) rounded (mode ~21), 20% empty. Signup day:
    first + (last - first) * U^0.6 (more recent signups are more common).
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

    p = genre_sizes / genre_sizes.sum()
    genres = rng.choice(len(p), size=(n, 3), p=p)
    n_genres = rng.choice([1, 2, 3], size=n, p=[0.35, 0.40, 0.25])
    genre_w = rng.dirichlet(np.full(3, 1.5), size=n) * (np.arange(3) < n_genres[:, None])
    genre_w /= genre_w.sum(axis=1, keepdims=True)
    return Users(ids=ids, country=country, gender=gender, age=age, signup=signup,
                 has_profile=has_profile, n_rows=n_rows, mu=mu, genres=genres, genre_w=genre_w)


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

    Each draw comes from global popularity (GLOBAL_SHARE), uniformly from the
    whole catalogue (NICHE_SHARE: the long tail of artists with one or two
    listeners), from the user's country's local pool (LOCAL_SHARE, when the
    country has local artists) or else from one of the user's genres, picked
    by the user's genre weights.
    """
    n = idx.size
    country = users.country[idx]
    local_share = np.where((country >= 0) & cat.has_local[np.maximum(country, 0)], LOCAL_SHARE, 0.0)
    src = rng.random((n, m))
    u = rng.random((n, m))
    use_global = src < GLOBAL_SHARE
    use_niche = (src >= GLOBAL_SHARE) & (src < GLOBAL_SHARE + NICHE_SHARE)
    use_local = (src >= GLOBAL_SHARE + NICHE_SHARE) & (src < GLOBAL_SHARE + NICHE_SHARE + local_share[:, None])
    use_genre = ~(use_global | use_niche | use_local)
    col = (rng.random((n, m))[:, :, None] > np.cumsum(users.genre_w[idx], axis=1)[:, None, :]).sum(-1)
    genre = np.take_along_axis(users.genres[idx], np.minimum(col, 2), axis=1)
    cand = np.empty((n, m), dtype=np.int64)
    cand[use_genre] = _sample(cat.genre_cdf, cat.genre_ids, genre[use_genre], u[use_genre])
    cand[use_global] = _sample(cat.global_cdf, cat.global_ids, 0, u[use_global])
    cand[use_niche] = (u[use_niche] * len(cat.mbids)).astype(np.int64)
    cand[use_local] = _sample(cat.local_cdf, cat.local_ids, np.broadcast_to(country[:, None], (n, m))[use_local],
                              u[use_local])
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

    plays = max(1, round(exp(mu_u - 0.6 ln(rank) + N(0, 0.4^2)))), mu_u ~
    N(6.25, 1.1^2), so plays fall with the artist's rank in the user's list
    (median ~85, mean ~200 per row); the spelling is drawn from the artist's
    spelling weights; ~1.1% of rows get a name-only artist (empty MBID).
    """
    user, artist, rank = draw_artists(rng, cat, users, lo, hi)
    m = user.size
    log_plays = users.mu[user] - PLAYS_RANK_EXPONENT * np.log(rank) + rng.normal(0, PLAYS_NOISE, m)
    plays = np.maximum(1, np.rint(np.exp(log_plays))).astype(np.int64)
    text = np.searchsorted(cat.spell_cdf, artist + rng.random(m), side="right")
    text = np.minimum(text, cat.n_mbid_spellings - 1)
    name_only = rng.random(m) < NAME_ONLY_ROW_SHARE
    no = int(name_only.sum())
    text[name_only] = cat.n_mbid_spellings + _sample(cat.name_only_cdf, np.arange(len(cat.name_only_cdf)), 0,
                                                     rng.random(no))
    artist = np.where(name_only, -1, artist)
    return Chunk(user=user, artist=artist, text=text, plays=plays, empty_name=np.zeros(m, dtype=bool))


def inject_row_dirt(rng: np.random.Generator, cat: Catalogue, ch: Chunk,
                    q: dict[str, int]) -> tuple[Chunk, dict[str, int]]:
    """Row-level dirt on disjoint rows: a second spelling of the same MBID for
    the same user (plays split between the two rows), a valid MBID with an
    empty name, zero plays, negative plays. Rows end up sorted by user, then
    plays descending. Returns the new chunk and the counts injected."""
    done: dict[str, int] = {}
    mbid_rows = np.flatnonzero(ch.artist >= 0)
    splittable = mbid_rows[(cat.n_spell[ch.artist[mbid_rows]] >= 2) & (ch.plays[mbid_rows] >= 2)]
    split = rng.choice(splittable, size=min(q["two_spellings_one_user"], splittable.size), replace=False)
    done["two_spellings_one_user"] = split.size
    free = ch.artist >= 0
    free[split] = False
    rest = np.flatnonzero(free)
    kinds = ("empty_name_with_mbid", "zero_plays", "negative_plays")
    picked = rng.choice(rest, size=min(sum(q[k] for k in kinds), rest.size), replace=False)
    plays, empty_name = ch.plays.copy(), ch.empty_name.copy()
    start = 0
    for kind in kinds:
        rows = picked[start:start + q[kind]]
        start += rows.size
        done[kind] = rows.size
        if kind == "empty_name_with_mbid":
            empty_name[rows] = True
        elif kind == "zero_plays":
            plays[rows] = 0
        else:
            plays[rows] = -np.array([1, 5, 20, 100, 3])[np.arange(rows.size) % 5]

    a = ch.artist[split]
    start_sp, n_sp = cat.spell_start[a], cat.n_spell[a]
    other = start_sp + (ch.text[split] - start_sp + 1 + rng.integers(0, n_sp - 1)) % n_sp
    moved = np.maximum(1, np.floor(plays[split] * rng.uniform(0.05, 0.45, split.size))).astype(np.int64)
    plays[split] -= moved
    user = np.concatenate([ch.user, ch.user[split]])
    artist = np.concatenate([ch.artist, a])
    text = np.concatenate([ch.text, other])
    plays = np.concatenate([plays, moved])
    empty_name = np.concatenate([empty_name, np.zeros(split.size, dtype=bool)])
    order = np.lexsort((-plays, user))
    return Chunk(user[order], artist[order], text[order], plays[order], empty_name[order]), done


def format_play_lines(rng: np.random.Generator, cat: Catalogue, users: Users, ch: Chunk,
                      q: dict[str, int]) -> tuple[list[str], dict[str, int]]:
    """Lines of the plays file for a chunk, with line-level dirt: malformed
    lines (too few / too many fields, non-numeric plays, empty) inserted in
    the block of a random user, and ``\\r\\n`` endings."""
    ids, texts = users.ids, cat.texts
    rows = zip(ch.user.tolist(), ch.text.tolist(), ch.plays.tolist(), strict=True)
    lines = [f"{ids[u]}\t{texts[t]}\t{p}" for u, t, p in rows]
    for i in np.flatnonzero(ch.empty_name).tolist():
        lines[i] = f"{ids[ch.user[i]]}\t{cat.mbids[ch.artist[i]]}\t\t{ch.plays[i]}"
    done = {"plays_crlf": min(q["plays_crlf"], len(lines))}
    for i in rng.choice(len(lines), size=done["plays_crlf"], replace=False).tolist():
        lines[i] += "\r"

    bad: list[tuple[int, str]] = []  # (row after which to insert, line)
    non_numeric = ["12a", "abc", "1.5", "", "1,234", "NaN"]
    for kind in ("plays_too_few_fields", "plays_too_many_fields", "plays_non_numeric", "plays_empty_line"):
        done[kind] = q[kind] if len(ch.user) else 0
        for j in range(done[kind]):
            i = int(rng.integers(0, len(ch.user)))
            uid, text, p = ids[ch.user[i]], texts[ch.text[i]], ch.plays[i]
            mbid, name = text.split("\t")
            if kind == "plays_too_few_fields":
                line = f"{uid}\t{name}\t{p}" if j % 2 == 0 else f"{uid}\t{mbid}"
            elif kind == "plays_too_many_fields":
                line = f"{uid}\t{mbid}\t{name}\tlive\t{p}" if j % 2 == 0 else f"{uid}\t{text}\t{p}\t"
            elif kind == "plays_non_numeric":
                line = f"{uid}\t{text}\t{non_numeric[j % len(non_numeric)]}"
            else:
                line = ""
            bad.append((i, line))
    # insert each bad line in its user's block, last position first so that
    # the row positions still hold
    for i, line in sorted(bad, key=lambda x: -x[0]):
        lines.insert(i + 1, line)
    return lines, done


# --- profile -----------------------------------------------------------------
def profile_lines(rng: np.random.Generator, plan: Plan, users: Users,
                  countries: list[str]) -> tuple[list[str], dict[str, int]]:
    """Lines of the profile file, with dirt: invalid ages (-1337 and 1002
    first), empty signup dates, duplicate users (the second row differs),
    malformed lines and ``\\r\\n`` endings. Users without a profile are
    left out."""
    with_profile = np.flatnonzero(users.has_profile)
    n = with_profile.size
    d = {k: min(v, n) for k, v in plan.dirt.items()}  # tiny datasets: at most one of each per user
    age = users.age.copy()
    chosen = rng.choice(with_profile, size=min(n, d["age_negative"] + d["age_over_100"]), replace=False)
    neg, over = chosen[:d["age_negative"]], chosen[d["age_negative"]:]
    age[neg] = np.array([-1337, -1, -5, -20, -100])[np.arange(neg.size) % 5]
    age[over] = np.array([1002, 101, 109, 113, 999])[np.arange(over.size) % 5]
    signup = list(users.signup)
    for i in rng.choice(with_profile, size=d["signup_empty"], replace=False).tolist():
        signup[i] = ""

    def fields(i: int, a: int, c: int) -> list[str]:
        return [users.ids[i], str(users.gender[i]), "" if a == AGE_EMPTY else str(a),
                countries[c] if c >= 0 else "", signup[i]]

    extra: dict[int, list[str]] = {}
    dupes = rng.choice(with_profile, size=d["duplicate_profile"], replace=False)
    for j, i in enumerate(dupes.tolist()):  # the second row always has another age
        old_age = int(age[i])
        new_age = 20 + j if old_age == AGE_EMPTY else AGE_EMPTY if j % 3 == 0 else old_age + 1 + j
        new_country = int(rng.integers(0, len(countries))) if j % 3 != 1 else -1
        extra.setdefault(i, []).append("\t".join(fields(i, new_age, new_country)))
    for kind in ("profile_too_few_fields", "profile_too_many_fields", "profile_empty_line"):
        for i in rng.choice(with_profile, size=d[kind]).tolist():
            f = fields(i, int(age[i]), int(users.country[i]))
            line = {"profile_too_few_fields": "\t".join(f[:4]), "profile_too_many_fields": "\t".join(f + ["extra"]),
                    "profile_empty_line": ""}[kind]
            extra.setdefault(i, []).append(line)

    lines: list[str] = []
    for i in with_profile.tolist():
        lines.append("\t".join(fields(i, int(age[i]), int(users.country[i]))))
        lines.extend(extra.get(i, []))
    crlf = [i for i in rng.choice(len(lines), size=min(len(lines), d["profile_crlf"]), replace=False).tolist()
            if lines[i]]
    for i in crlf:
        lines[i] += "\r"
    done = {k: d[k] for k in ("signup_empty", "duplicate_profile",
                              "profile_too_few_fields", "profile_too_many_fields", "profile_empty_line")}
    done["age_negative"], done["age_over_100"] = neg.size, over.size
    done["profile_crlf"] = len(crlf)
    done["age_empty"] = int((age[with_profile] == AGE_EMPTY).sum())
    done["gender_empty"] = int((users.gender[with_profile] == "").sum())
    done["country_empty"] = int((users.country[with_profile] < 0).sum())
    return lines, done


# --- driver ------------------------------------------------------------------
def generate_dataset(out_dir: Path, n_users: int, seed: int = 0,
                     progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Write the two raw files of a synthetic Last.fm 360K dataset into ``out_dir``.

    ``n_users`` (1..359,347) is the number of distinct users over both files
    (including cold users and users with no profile). The output depends only
    on ``(n_users, seed)``. Returns counts: users, lines and rows of each
    file, distinct artists, and the number of instances of each dirt kind.
    """
    if not isinstance(n_users, (int, np.integer)) or not 1 <= n_users <= FULL_USERS:
        raise ValueError(f"n_users must be an integer in 1..{FULL_USERS}, got {n_users!r}")
    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    plan = Plan.for_users(int(n_users))
    countries, alpha2 = load_countries()
    cweights = country_weights(countries, rng)
    cat = build_catalogue(rng, plan, alpha2, cweights)
    say(f"catalogue: {len(cat.mbids):,} MBID artists, {len(cat.texts) - cat.n_mbid_spellings:,} name-only "
        f"({time.perf_counter() - t0:.1f}s)")
    users = build_users(rng, plan, cweights, cat.genre_sizes)

    lines, profile_dirt = profile_lines(rng, plan, users, countries)
    with open(out_dir / PROFILE_FILE, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines) + "\n")
    n_profile_lines = len(lines)
    say(f"profile: {n_profile_lines:,} lines ({time.perf_counter() - t0:.1f}s)")

    chunks = list(range(0, plan.n_users, CHUNK_USERS))
    share = np.diff(chunks + [plan.n_users]) / plan.n_users
    per_chunk = {k: rng.multinomial(v, share) for k, v in plan.dirt.items() if not k.startswith(("profile", "age"))}
    is_quote = np.array(['"' in t for t in cat.texts])
    is_unicode = np.array([not t.isascii() for t in cat.texts])
    used = np.zeros(len(cat.texts), dtype=bool)
    plays = dict.fromkeys(["play_lines", "play_rows", "name_only_rows", "quote_name_rows", "unicode_name_rows",
                           "users_with_plays"], 0)
    plays_dirt: dict[str, int] = dict.fromkeys(per_chunk, 0)
    with open(out_dir / PLAYS_FILE, "w", encoding="utf-8", newline="") as f:
        for c, lo in enumerate(chunks):
            hi = min(lo + CHUNK_USERS, plan.n_users)
            q = {k: int(v[c]) for k, v in per_chunk.items()}
            ch, row_dirt = inject_row_dirt(rng, cat, make_rows(rng, cat, users, lo, hi), q)
            chunk_lines, line_dirt = format_play_lines(rng, cat, users, ch, q)
            if chunk_lines:
                f.write("\n".join(chunk_lines) + "\n")
            for k, v in {**row_dirt, **line_dirt}.items():
                plays_dirt[k] += v
            plays["play_lines"] += len(chunk_lines)
            plays["play_rows"] += ch.user.size
            plays["name_only_rows"] += int((ch.artist < 0).sum())
            plays["quote_name_rows"] += int(is_quote[ch.text].sum())
            plays["unicode_name_rows"] += int(is_unicode[ch.text].sum())
            plays["users_with_plays"] += int(np.count_nonzero(np.diff(ch.user))) + 1 if ch.user.size else 0
            used[ch.text] = True
            if len(chunks) > 4 and (c % 8 == 7 or hi == plan.n_users):
                say(f"plays: {hi:,}/{plan.n_users:,} users, {plays['play_lines']:,} lines "
                    f"({time.perf_counter() - t0:.1f}s)")
    owner = np.repeat(np.arange(len(cat.mbids)), cat.n_spell)
    used_mbid = used[:cat.n_mbid_spellings]
    return {
        "users": plan.n_users,
        "profile_users": int(users.has_profile.sum()),
        "cold_users": plan.cold_users,
        "no_profile_users": plan.no_profile_users,
        "profile_lines": n_profile_lines,
        **plays,
        "mbid_artists": int(np.unique(owner[used_mbid]).size),
        "mbid_spellings": int(used_mbid.sum()),
        "name_only_artists": int(used[cat.n_mbid_spellings:].sum()),
        **plays_dirt,
        **profile_dirt,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; see ``--help``."""
    ap = argparse.ArgumentParser(
        prog="python -m lastfm_recs.sample_data",
        description=f"Write a synthetic Last.fm 360K dataset ({PLAYS_FILE} and {PROFILE_FILE}) into a "
                    "directory. The same --users and --seed always give byte-identical files.")
    ap.add_argument("--users", type=int, required=True,
                    help=f"number of distinct users, 1..{FULL_USERS} (the full dataset size); "
                         "about 48.8 play rows per user")
    ap.add_argument("--seed", type=int, default=0, help="random seed, a non-negative integer (default 0)")
    ap.add_argument("--out", type=Path, required=True, help="output directory (created if missing; "
                    "existing files of the same names are overwritten)")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = ap.parse_args(argv)
    if not 1 <= args.users <= FULL_USERS:
        ap.error(f"--users must be in 1..{FULL_USERS}, got {args.users}")
    if args.seed < 0:
        ap.error(f"--seed must be a non-negative integer, got {args.seed}")
    if args.out.exists() and not args.out.is_dir():
        ap.error(f"--out must be a directory, found a file at {args.out}")

    def progress(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    counts = generate_dataset(args.out, args.users, args.seed, None if args.quiet else progress)
    for k, v in counts.items():
        print(f"{k}\t{v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
