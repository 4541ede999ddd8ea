"""Rebuild a projection's read models from the event store, then swap them in at once.

The rebuild fills a fresh copy (a new PostgreSQL schema, or a new SQLite file) from the
store's notification log, finishes it while projectors wait, and swaps it in: queries see
the old read models until the swap and the complete new ones after it. The new copy's
tracking floor is the last rebuilt position, so a projector skips what the rebuild already
applied and goes on from there.

The log is loaded as a batch job: read in large pages (the next one read while this one is
folded), folded into rows in memory (``projections.rebuild_fold``), and written with COPY
(one ``executemany`` per table on SQLite) in one transaction, the programme statistics and
the tracking floor with them. What the store gained meanwhile is then applied event by event
with the handlers, while projectors wait (``swap_in``'s ``finish``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any, Protocol

from domain.envelope import EventEnvelope
from projections.database import RebuildableReadModels
from projections.handling import FoldFn
from projections.privacy.personal import OpenPersonal
from projections.rebuild_fold import COLUMNS, STATS_COLUMNS, Fold
from projections.tenant_views import TenantViews
from projections.tracking import FLOOR

log = logging.getLogger(__name__)

ReadAfter = Callable[[int, int], Sequence[EventEnvelope]]
BATCH = 5000  # events per transaction, applied event by event
PAGE = 20_000  # events per page of the bulk load


class Copy(Protocol):
    def __call__(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None: ...


Copying = Callable[[], AbstractContextManager[tuple[Any, Copy]]]
"""A write transaction that also loads rows at once (the read models' ``copying``)."""


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


def _load(
    copying: Copying,
    folds: dict[str, FoldFn],
    read_after: ReadAfter,
    personal: OpenPersonal | None,
    progress: Callable[[int], None],
) -> int:
    """Fold the whole log into empty read models in one transaction; return its last
    position."""
    fold = Fold(personal)
    position = rows = 0
    spent = dict.fromkeys(("reading", "folding", "copying", "writing"), 0.0)
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        spent[step] += now - clock
        clock = now

    with copying() as (tx, copy), ThreadPoolExecutor(1, "rebuild-read") as reader:
        pending = reader.submit(read_after, position, PAGE)
        while page := pending.result():
            lap("reading")
            position = page[-1].position
            pending = reader.submit(read_after, position, PAGE)
            fold.apply(page, folds)
            lap("folding")
            for table, columns, appended in fold.take_appended():
                copy(table, columns, appended)
                rows += len(appended)
            progress(position)
            lap("copying")
        for table, columns in COLUMNS.items():
            copy(table, columns, fold.rows[table].values())
            rows += len(fold.rows[table])
        copy("network_stats", STATS_COLUMNS, fold.stats_rows())
        if fold.last is not None:
            tx.execute(
                "INSERT INTO projection_tracking (projection, part, position, occurred_at) "
                "VALUES (?, ?, ?, ?)",
                (TenantViews.name, FLOOR, fold.last.position, fold.last.occurred_at),
            )
        lap("writing")
    lap("writing")  # the commit
    log.info(
        "rebuild: %s events, %s rows; %s",
        fold.applied,
        rows + len(fold.stats),
        ", ".join(f"{step} {seconds:.2f} s" for step, seconds in spent.items()),
    )
    return position


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
    folds = views.folds()
    copying: Copying | None = getattr(replacement, "copying", None)
    if folds is not None and copying is not None:
        position = _load(copying, folds, read_after, personal, progress)
    else:  # a handling without a fold: every event through the live handlers
        log.warning("rebuild: applying every event with the handlers (no fold of some)")
        position = _replay(views, replacement, read_after, 0, progress)
    final = position

    def finish() -> None:
        nonlocal final
        final = _replay(views, replacement, read_after, position, progress)
        if carry_over is not None:  # what other projections keep (the audit trail)
            carry_over(live, replacement)

    live.swap_in(replacement, finish)
    return final
