"""The artists of a synthetic dataset and their sampling distributions."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lastfm_recs.sample_data.names import (
    ADJECTIVES,
    NOUNS,
    SCRIPT_OF_COUNTRY,
    Draws,
    latin_name,
    make_name,
    quoted_name,
    spelling_variants,
    uuid_strings,
)
from lastfm_recs.sample_data.plan import (
    LOCAL_ARTIST_SHARE,
    LOCAL_WEIGHT_ABROAD,
    NAME_ONLY_EXPONENT,
    POP_EXPONENT,
    POP_OFFSET,
    Plan,
)


# --- artists -----------------------------------------------------------------
@dataclass
class Catalogue:
    """Artists and their sampling distributions.

    MBID artists are the head (``0 : n_head``, by global popularity rank)
    then the tail. Every artist belongs to one scene; scene s belongs to
    genre ``scene_genre[s]`` and holds a share ``scene_share[s]`` of the
    head's popularity. Pools: global, genre and scene (head, by popularity),
    tail by scene (uniform), local head artists by country.

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
    scene_ids: np.ndarray
    scene_cdf: np.ndarray
    tail_ids: np.ndarray
    tail_cdf: np.ndarray
    local_ids: np.ndarray
    local_cdf: np.ndarray
    has_local: np.ndarray
    name_only_cdf: np.ndarray
    n_mbid_spellings: int
    scene_genre: np.ndarray
    scene_share: np.ndarray


def segmented_cdf(segment: np.ndarray, weight: np.ndarray, n_segments: int) -> tuple[np.ndarray, np.ndarray]:
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

    Head popularity of the artist of global rank r is
    (r + POP_OFFSET)^-POP_EXPONENT; tail artists are drawn uniformly within
    their scene. Scenes get Dirichlet(1) shares of the artists and are
    spread over the genres; every scene has at least one head and one tail
    artist. A share LOCAL_ARTIST_SHARE of head artists is local to a country
    (drawn from user shares^0.8) and named in that country's script; they
    weigh LOCAL_WEIGHT_ABROAD in the global, genre and scene pools. A few
    popular artists are forced to hold a quote or a non-ASCII name so that
    every sample shows them. Spellings per artist: 1 + Poisson(0.08 + 2
    r^-0.35), one more with probability 0.45 for non-Latin names; canonical
    spelling weight 1, variant j weight 0.3 * 0.5^j.
    """
    head, n_sc = plan.n_head, plan.n_scenes
    n = head + plan.n_tail
    rank = np.arange(1, n + 1)
    pop = (rank[:head] + POP_OFFSET) ** -POP_EXPONENT
    scene_genre = np.concatenate([np.arange(plan.n_genres), rng.integers(0, plan.n_genres, n_sc - plan.n_genres)])
    scene_p = rng.dirichlet(np.ones(n_sc))
    scene = rng.choice(n_sc, size=n, p=scene_p)
    scene[:n_sc], scene[head:head + n_sc] = np.arange(n_sc), np.arange(n_sc)  # no empty pool
    forced = {2: "acc", 6: "cyr", 9: "ja", 15: "ko", 24: "zh", 30: "acc", 40: "quote", 90: "quote", 160: "quote"}
    local = np.zeros(n, dtype=bool)
    local[:head] = rng.random(head) < LOCAL_ARTIST_SHARE
    local[[i for i in forced if i < n]] = False
    home_p = cweights ** 0.8 / (cweights ** 0.8).sum()
    home = np.where(local, rng.choice(len(alpha2), size=n, p=home_p), -1)
    glob_script = rng.choice(np.array(["en", "acc", "cyr", "ja", "ko", "zh"]), size=n,
                             p=[0.87, 0.09, 0.01, 0.015, 0.005, 0.01])
    quote = rng.random(n) < 0.003
    extra = rng.poisson(0.08 + 2.0 * rank ** -0.35)
    extra_translit = rng.random(n) < 0.45
    mbids = uuid_strings(rng, n)
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
    _, spell_cdf = segmented_cdf(owner, np.array(weights), n)

    one = np.zeros(head, dtype=np.int64)
    mixed = pop * np.where(local[:head], LOCAL_WEIGHT_ABROAD, 1.0)
    global_ids, global_cdf = segmented_cdf(one, mixed, 1)
    genre_ids, genre_cdf = segmented_cdf(scene_genre[scene[:head]], mixed, plan.n_genres)
    scene_ids, scene_cdf = segmented_cdf(scene[:head], mixed, n_sc)
    tail_order, tail_cdf = segmented_cdf(scene[head:], np.ones(n - head), n_sc)
    lid = np.flatnonzero(local)
    local_order, local_cdf = segmented_cdf(home[lid], pop[lid], len(alpha2))
    scene_mass = np.bincount(scene[:head], weights=pop, minlength=n_sc)

    n_mbid_spellings = len(texts)
    texts.extend(f"\t{name_only_name(draw)}" for _ in range(plan.n_name_only))
    no_rank = np.arange(1, plan.n_name_only + 1)
    _, name_only_cdf = segmented_cdf(np.zeros(no_rank.size, dtype=np.int64), no_rank ** -NAME_ONLY_EXPONENT, 1)
    return Catalogue(
        mbids=mbids, texts=texts, spell_start=spell_start, n_spell=n_spell, spell_cdf=spell_cdf,
        global_ids=global_ids, global_cdf=global_cdf,
        genre_ids=genre_ids, genre_cdf=genre_cdf, scene_ids=scene_ids, scene_cdf=scene_cdf,
        tail_ids=head + tail_order, tail_cdf=tail_cdf, local_ids=lid[local_order], local_cdf=local_cdf,
        has_local=np.bincount(home[lid], minlength=len(alpha2)) > 0,
        name_only_cdf=name_only_cdf, n_mbid_spellings=n_mbid_spellings,
        scene_genre=scene_genre, scene_share=scene_mass / scene_mass.sum(),
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
