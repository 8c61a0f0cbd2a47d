"""Which chosen parameters sit at the edge of their grid.

A parameter chosen at the lowest or highest value its grid tried may do
better still beyond it, so the tuning flags it (eval_tuning.edge_warning, the
report). For a chosen trial and each numeric parameter, over the grids of
var tuning_grid that contain the trial (a list of grids is their union) and
try more than one value of it: the parameter is at an edge when in every
such grid the chosen value is the lowest or the highest tried. Parameters a
grid fixes to one value, and non-numeric ones (a weighting, a hybrid's
weights), are never flagged.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence


def _numeric(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _contains(grid: Mapping[str, Sequence], params: Mapping[str, object]) -> bool:
    """True when ``params`` is one of the trials of ``grid`` (same keys, each value tried)."""
    return set(grid) == set(params) and all(params[name] in list(values) for name, values in grid.items())


def grid_edges(grid: Mapping[str, Sequence] | Sequence[Mapping[str, Sequence]],
               chosen: Mapping[str, object]) -> list[str]:
    """'<parameter>=<value> at the lowest|highest of [v1, v2, ...]' for each
    parameter of ``chosen`` at an edge of ``grid`` (module docstring), in the
    order of the chosen parameters."""
    grids = [grid] if isinstance(grid, Mapping) else list(grid)
    containing = [part for part in grids if _contains(part, chosen)]
    warnings = []
    for name, value in chosen.items():
        if not _numeric(value):
            continue
        tried = [sorted(float(v) for v in part[name]) for part in containing
                 if len(set(part[name])) > 1 and all(_numeric(v) for v in part[name])]
        if not tried:
            continue
        lowest = all(float(value) == values[0] for values in tried)
        highest = all(float(value) == values[-1] for values in tried)
        if lowest or highest:
            values = sorted({v for values in tried for v in values})
            shown = ", ".join(f"{v:g}" for v in values)
            warnings.append(f"{name}={value:g} at the {'lowest' if lowest else 'highest'} of [{shown}]")
    return warnings
