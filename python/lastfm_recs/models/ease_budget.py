"""ease_budget: ease (lastfm_recs.models.ease) on as many of the most
listened artists as a memory budget allows, the whole catalogue when it fits.

EASE inverts a dense |H| x |H| matrix, so its memory grows with the square of
the artists kept. The fit holds at most about BYTES_PER_ENTRY bytes per entry
at once (the float64 gram, factorised in place, beside the float64 inverse
being formed; then float32 copies of B), so

    artists = min(artists with a listener, floor(sqrt(memory_mb * 2^20 / BYTES_PER_ENTRY)))

and the rest is ease's popularity fallback. Same scores as ease with that
``artists``; the other parameters are ease's.
"""
from __future__ import annotations

import math

import numpy as np

from lastfm_recs.blocks import Progress
from lastfm_recs.checks import check_number
from lastfm_recs.inputs import ScoringInputs
from lastfm_recs.models.ease import Ease, fit_ease
from lastfm_recs.weighting import listeners

#: Peak bytes per entry of the |H| x |H| matrices while ease fits (module docstring).
BYTES_PER_ENTRY = 24


def artists_for_budget(memory_mb: float, catalogue: int) -> int:
    """The artists ease_budget keeps: the catalogue (with a listener), at most
    what ``memory_mb`` holds at BYTES_PER_ENTRY bytes per matrix entry (>= 1)."""
    fits = int(math.isqrt(int(memory_mb * 2**20 // BYTES_PER_ENTRY)))
    return max(1, min(int(catalogue), fits))


def fit_ease_budget(inputs: ScoringInputs, rng: np.random.Generator, *, memory_mb: float = 3072.0,
                    l2: float = 500.0, weighting: str = "binary", country_weight: float = 0.0,
                    age_band_weight: float = 0.0, progress: Progress | None = None) -> Ease:
    """ease on artists_for_budget(memory_mb, catalogue) artists (module docstring)."""
    memory_mb = check_number("memory_mb", memory_mb, 1.0)
    catalogue = int((listeners(inputs.plays) > 0).sum())
    artists = artists_for_budget(memory_mb, catalogue)
    if progress:
        progress(f"ease_budget: {artists:,} of {catalogue:,} artists fit {memory_mb:,.0f} MB")
    return fit_ease(inputs, rng, artists=artists, l2=l2, weighting=weighting, country_weight=country_weight,
                    age_band_weight=age_band_weight, progress=progress)
