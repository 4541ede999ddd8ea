"""Small-cell suppression for statistics published across PINs.

A count under the threshold could point at a handful of identifiable newcomers, so it is
published as suppressed. Publishing the total next to one suppressed cell would let anyone
subtract it back out, so more cells (the smallest visible ones) are suppressed too
("complementary suppression") until the hidden cells add up to no small count, or the total is
suppressed when there is no other cell. Each breakdown is protected on its own; combining
several breakdowns of the same counts is not (see docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_THRESHOLD = 10


@dataclass(frozen=True)
class Published:
    """One breakdown of one count: each cell and the total, None where suppressed."""

    cells: dict[str, int | None]
    total: int | None


def suppress(cells: Mapping[str, int], threshold: int = DEFAULT_THRESHOLD) -> Published:
    """Publish ``cells`` and their sum so that no count under ``threshold`` is read or derived."""
    total = sum(cells.values())
    hidden = {key for key, value in cells.items() if value < threshold}
    total_hidden = total < threshold
    # With the total shown, the hidden cells add up to (total - visible cells): hide more,
    # smallest first, until that sum is itself no small count (two hidden zeros would
    # otherwise read as zeros), or hide the total.
    while hidden and not total_hidden and sum(cells[key] for key in hidden) < threshold:
        visible = sorted((value, key) for key, value in cells.items() if key not in hidden)
        if visible:
            hidden.add(visible[0][1])
        else:
            total_hidden = True
    if len(hidden) == 1 and not total_hidden:
        visible = sorted((value, key) for key, value in cells.items() if key not in hidden)
        if visible:
            hidden.add(visible[0][1])
        else:
            total_hidden = True
    return Published(
        cells={key: None if key in hidden else value for key, value in cells.items()},
        total=None if total_hidden else total,
    )
