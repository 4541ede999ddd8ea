"""A rebuild's read models in memory: the rows its events make, folded in store order.

A rebuild applies the whole log to empty read models. Instead of statements per event it
folds each event into the rows it makes or changes (``projections.batch_handlers``, one
function per handler), kept here by primary key; the rebuild writes them once at the end
(COPY on PostgreSQL). Rows never changed once written (the activity feed, trainings, cohort
names) are handed out page by page instead. The programme statistics (``_bump``) are added
up per key as the handlers' upserts would add them, and written as one row per key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import projections.tenant_views as tv
from domain.envelope import EventEnvelope
from projections.personal import OpenPersonal, opened

Row = list[Any]

# Columns in the order the fold keeps them; every column a handler sets, and the columns with
# defaults that handlers change later (counts, flags, erasure, consents).
COLUMNS: dict[str, tuple[str, ...]] = {
    "pins": ("tenant_id", "slug", "name", "communities", "professions", "seq"),
    "cohorts": (
        "id",
        "tenant_id",
        "name",
        "starts_on",
        "ends_on",
        "planned_sessions",
        "min_group_size",
        "max_group_size",
        "state",
        "seq",
    ),
    "mentors": (
        "id",
        "tenant_id",
        "name",
        "email",
        "profession",
        "languages",
        "cultural_background",
        "licence_status",
        "capacity",
        "seq",
        "erased_at",
        "consents",
    ),
    "mentees": (
        "id",
        "tenant_id",
        "name",
        "email",
        "profession",
        "origin",
        "languages",
        "english_level",
        "goals",
        "enrolled_on",
        "seq",
        "erased_at",
        "consents",
    ),
    "outcomes": (
        "id",
        "tenant_id",
        "mentee_id",
        "kind",
        "occurred_on",
        "evidence",
        "cohort_id",
        "seq",
    ),
    "mentoring_groups": (
        "id",
        "tenant_id",
        "cohort_id",
        "name",
        "mentor_id",
        "min_size",
        "max_size",
        "planned_sessions",
        "mentee_count",
        "sessions_held",
        "seq",
    ),
    "group_members": ("tenant_id", "group_id", "mentee_id", "seq"),
    "group_sessions": ("tenant_id", "group_id", "number", "scheduled_on", "agenda", "held"),
    "attendance": ("tenant_id", "group_id", "number", "mentee_id", "present"),
    "shared_activities": (
        "id",
        "tenant_id",
        "title",
        "held_on",
        "description",
        "capacity",
        "seq",
    ),
    "activity_registrations": ("activity_id", "person_id", "person_tenant_id", "kind", "seq"),
    "api_keys": (
        "id",
        "tenant_id",
        "name",
        "role",
        "secret_hash",
        "expires_at",
        "created_at",
        "seq",
        "revoked",
    ),
    "group_proposals": (
        "id",
        "tenant_id",
        "cohort_id",
        "state",
        "result",
        "report",
        "settings",
        "proposed_at",
        "seq",
        "edits",
        "group_ids",
        "rejection_reason",
    ),
    "sharing_withdrawn": ("person_id", "tenant_id", "seq"),
    "follow_ups": (
        "tenant_id",
        "mentee_id",
        "cohort_id",
        "months",
        "due_on",
        "recorded_on",
        "outcome_id",
        "seq",
    ),
}
# Written as they come (no handler changes or deletes their rows).
APPENDED: dict[str, tuple[str, ...]] = {
    "activity_feed": ("tenant_id", "position", "event_type", "aggregate_id", "occurred_at"),
    "trainings": ("tenant_id", "person_id", "version", "name", "completed_on"),
    "network_cohorts": ("cohort_id", "tenant_id", "name", "starts_on"),
}
STATS_COLUMNS = ("tenant_id", "cohort_id", "profession", "metric", "value")

_SCALARS = frozenset({str, int, float, bool, type(None)})
COLUMN_INDEX = {table: {c: i for i, c in enumerate(columns)} for table, columns in COLUMNS.items()}


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

    def bump(
        self,
        e: EventEnvelope,
        metric: str,
        *,
        cohort_id: str | None = None,
        profession: str = "",
        by: int = 1,
    ) -> None:
        """``tenant_views._bump``: add ``by`` to a statistic of the event's PIN."""
        key = (e.tenant_id, cohort_id or "", profession, metric)
        self.stats[key] = self.stats.get(key, 0) + by

    def profession(self, table: str, person_id: str) -> str:
        """``tenant_views._profession``."""
        row = self.rows[table].get(person_id)
        return str(row[COLUMN_INDEX[table]["profession"]]) if row is not None else ""

    def group_cohort(self, group_id: str) -> str:
        """``tenant_views._group_cohort``."""
        row = self.rows["mentoring_groups"].get(group_id)
        return str(row[2]) if row is not None else ""

    # --- events -----------------------------------------------------------------------

    def apply(self, envelopes: Sequence[EventEnvelope], folds: dict[str, FoldFn]) -> None:
        """Fold a page of events (store order), as ``TenantViews._apply`` applies each."""
        feed = self.appended["activity_feed"]
        personal = self._personal
        current: EventEnvelope | None = None
        try:
            for index, current in enumerate(envelopes):  # noqa: B007 - read after the loop
                fold = folds.get(current.event_type)
                if fold is not None:
                    feed.append(
                        (
                            current.tenant_id,
                            current.position,
                            current.event_type,
                            current.aggregate_id,
                            current.occurred_at,
                        )
                    )
                    # ``opened`` changes only payloads with containers (sealed fields among
                    # them); a payload of plain values it returns as it is.
                    plain = all(type(v) in _SCALARS for v in current.payload.values())
                    fold(self, current if plain else opened(current, personal))
                    self.applied += 1
                self.last = current
        except Exception as error:
            assert current is not None
            raise tv.PoisonEvent(
                f"{tv.TenantViews.name} stopped at event {current.event_type} at position "
                f"{current.position} (aggregate {current.aggregate_id}): {error!r}",
                index,
            ) from error

    def take_appended(self) -> Iterator[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
        """The insert-only rows folded since the last call, per table (then forgotten)."""
        for table, columns in APPENDED.items():
            rows = self.appended[table]
            if rows:
                self.appended[table] = []
                yield table, columns, rows

    def stats_rows(self) -> list[tuple[Any, ...]]:
        return [(*key, value) for key, value in self.stats.items()]


FoldFn = Callable[[Fold, EventEnvelope], None]
