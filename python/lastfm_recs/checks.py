"""Argument checks shared by the algorithms: errors say what was expected and
what was found, naming the argument."""
from __future__ import annotations

import math

import numpy as np


def check_count(name: str, value: object, minimum: int) -> int:
    """``value`` as an int, which must be an integer >= ``minimum`` (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer >= {minimum}, found {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, found {value}")
    return int(value)


def check_number(name: str, value: object, low: float, high: float = math.inf) -> float:
    """``value`` as a float, which must be a finite real number in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number in [{low}, {high}], found {value!r} ({type(value).__name__})")
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name}: expected a number in [{low}, {high}], found {value}")
    return float(value)


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    """``value``, which must be one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(choices)}, found {value!r}")
    return str(value)
