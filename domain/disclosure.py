"""Small-cell suppression for statistics published across PINs.

A count under the threshold could point at a handful of identifiable newcomers, so it is
published as suppressed. Publishing the total next to exactly one suppressed cell would let
anyone subtract it back out, so a second cell (the smallest visible one) is suppressed too
("complementary suppression"), or the total when there is no other cell.
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
