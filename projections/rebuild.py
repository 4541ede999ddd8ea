"""Rebuild a projection's read models from the event store, then swap them in at once.

The rebuild fills a fresh copy (a new PostgreSQL schema, or a new SQLite file) from the
store's notification log, finishes it while projectors wait, and swaps it in: queries see
the old read models until the swap and the complete new ones after it. The new copy's
tracking floor is the last rebuilt position, so a projector skips what the rebuild already
applied and goes on from there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from domain.envelope import EventEnvelope
from projections.database import RebuildableReadModels
from projections.personal import OpenPersonal
from projections.tenant_views import FLOOR, TenantViews

ReadAfter = Callable[[int, int], Sequence[EventEnvelope]]
BATCH = 5000


def _replay(
    views: TenantViews,
    db: RebuildableReadModels,
    read_after: ReadAfter,
    position: int,
    progress: Callable[[int], None],
) -> int:
    while True:
        batch = read_after(position, BATCH)
        if not batch:
            return position
        with db.bulk() as tx:
            views.apply_batch(tx, batch, part=FLOOR)
        position = batch[-1].position
        progress(position)


def rebuild_tenant_views(
    live: RebuildableReadModels,
    read_after: ReadAfter,
    progress: Callable[[int], None] = lambda _: None,
    carry_over: Callable[[RebuildableReadModels, RebuildableReadModels], None] | None = None,
    personal: OpenPersonal | None = None,
) -> int:
    """Rebuild the tenant views from the store; return the last position included.

    ``personal`` opens personal fields (erased people's come back as placeholders).
    """
    replacement = live.replacement()
    views = TenantViews(replacement, personal=personal)
    position = _replay(views, replacement, read_after, 0, progress)
    final = position

    def finish() -> None:
        nonlocal final
        final = _replay(views, replacement, read_after, position, progress)
        if carry_over is not None:  # what other projections keep (the audit trail)
            carry_over(live, replacement)

    live.swap_in(replacement, finish)
    return final
