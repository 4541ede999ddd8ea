"""A rebuild's read models in memory: the rows its events make, folded in store order.

A rebuild applies the whole log to empty read models. Instead of statements per event it
folds each event into the rows it makes or changes (each handling's ``fold``), kept here
by primary key; the rebuild writes them once at the end
(COPY on PostgreSQL). Rows never changed once written (the activity feed, trainings, cohort
names) are handed out page by page instead. The programme statistics (``bump``) are added
up per key as the live upserts would add them, and written as one row per key. A ``Fold``
is the ``Tally`` of the counting handlers (``projections.programme_counts``) in a rebuild.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from domain.envelope import EventEnvelope
from projections.engine import PoisonEvent
from projections.handling import FoldFn
from projections.privacy.personal import OpenPersonal, opened
from projections.tenant_tables import ActivityFeed, MentoringGroups
from projections.tenant_views import TABLES, TenantViews

Row = list[Any]

# Columns in the order the fold keeps them, as each table's declaration lists them: every
# column a handler sets, and the columns with defaults that handlers change later (counts,
# flags, erasure, consents). Appended tables are written as they come (no handler changes
# or deletes their rows).
COLUMNS: dict[str, tuple[str, ...]] = {t.table: t.columns for t in TABLES if not t.appended}
APPENDED: dict[str, tuple[str, ...]] = {t.table: t.columns for t in TABLES if t.appended}
STATS_COLUMNS = ("tenant_id", "cohort_id", "profession", "metric", "value")

_SCALARS = frozenset({str, int, float, bool, type(None)})
COLUMN_INDEX = {table: {c: i for i, c in enumerate(columns)} for table, columns in COLUMNS.items()}
_GROUP_COHORT = COLUMN_INDEX[MentoringGroups.table]["cohort_id"]


class DuplicateRow(Exception):
    """A second insert of a primary key (the database would refuse it)."""


class Fold:
    """The rows of one rebuild, folded from its events in store order."""

    def __init__(self, personal: OpenPersonal | None) -> None:
        self._personal = personal
        self.rows: dict[str, dict[Any, Row]] = {table: {} for table in COLUMNS}
        self.appended: dict[str, list[tuple[Any, ...]]] = {table: [] for table in APPENDED}
        self.stats: dict[tuple[str, str, str, str], int] = {}
        self.outcomes_of: dict[str, list[Row]] = {}  # mentee id -> their outcome rows
        self.outcome_cohorts: set[tuple[str, str]] = set()  # (mentee id, cohort or '')
        self.last: EventEnvelope | None = None  # the last event folded (handled or not)
        self.applied = 0

    # --- what the handlers' statements do -------------------------------------------

    def insert(self, table: str, key: Any, row: Row) -> None:
        rows = self.rows[table]
        if key in rows:
            raise DuplicateRow(f"{table}: a row with key {key!r} exists")
        rows[key] = row

    def add(self, statistic: tuple[str, str, str, str], by: int) -> None:
        """Add ``by`` to a programme statistic (as ``LiveTally.add``'s upsert would)."""
        self.stats[statistic] = self.stats.get(statistic, 0) + by

    def profession(self, table: str, person_id: str) -> str:
        """The profession of a mentee or mentor folded earlier."""
        row = self.rows[table].get(person_id)
        return str(row[COLUMN_INDEX[table]["profession"]]) if row is not None else ""

    def group_cohort(self, group_id: str) -> str:
        row = self.rows[MentoringGroups.table].get(group_id)
        return str(row[_GROUP_COHORT]) if row is not None else ""

    def first_outcome(self, mentee_id: str, cohort_id: str | None) -> bool:
        return (mentee_id, cohort_id or "") not in self.outcome_cohorts

    def remember(self, kind: str, ident: str, value: str) -> None:
        """Nothing to remember: the rows folded so far are the facts."""

    # --- events -----------------------------------------------------------------------

    def apply(self, envelopes: Sequence[EventEnvelope], folds: dict[str, FoldFn]) -> None:
        """Fold a page of events (store order), as ``Projection._apply`` applies each."""
        feed, feed_row = self.appended[ActivityFeed.table], ActivityFeed.appended_row
        personal = self._personal
        current: EventEnvelope | None = None
        try:
            for index, current in enumerate(envelopes):  # noqa: B007 - read after the loop
                fold = folds.get(current.event_type)
                if fold is not None:
                    feed.append(feed_row(current))
                    # ``opened`` changes only payloads with containers (sealed fields among
                    # them); a payload of plain values it returns as it is.
                    plain = all(type(v) in _SCALARS for v in current.payload.values())
                    fold(self, current if plain else opened(current, personal))
                    self.applied += 1
                self.last = current
        except Exception as error:
            assert current is not None
            raise PoisonEvent.at(TenantViews.name, current, index, error) from error

    def take_appended(self) -> Iterator[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
        """The insert-only rows folded since the last call, per table (then forgotten)."""
        for table, columns in APPENDED.items():
            rows = self.appended[table]
            if rows:
                self.appended[table] = []
                yield table, columns, rows

    def stats_rows(self) -> list[tuple[Any, ...]]:
        return [(*key, value) for key, value in self.stats.items()]
