"""A version per PIN that moves whenever that PIN's read models change.

The result cache keys a PIN's own reads (``TENANT_ROOTS``) by it instead of by the
projection's global version, so one PIN's writes no longer evict every other PIN's answers.

Every change to a PIN's tenant tables is made by an event of that PIN (aggregates belong to
one PIN), applied by the projection in a transaction that also moves that PIN's counter in
``tenant_versions`` (``projections.tenant_views.bump_versions``). So:

- embedded (this process projects every event, one ordered partition): the last position
  this process handed to the projection per PIN, noted after the projection returned
  (``noted``), so a key never moves before the data it stands for is committed;
- with projector processes (Kafka: a PIN's events spread over partitions and processes,
  so positions arrive out of order): the PIN's row of ``tenant_versions``, a counter the
  projection moves in the transaction of every batch that applies an event of the PIN (one
  row read by its key, however long the PIN's history), and the rebuild the read models come
  from: a rebuild (``mentoring rebuild``) replaces every table at once and starts the
  counters again. On PostgreSQL each rebuild makes a new ``tenant_versions`` table (a new
  oid); on SQLite the rebuild's floor position tells rebuilds apart (two at the same head do
  not differ).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from domain.envelope import EventEnvelope
from projections.database import PostgresReadModels, ReadModels
from projections.tenant_views import FLOOR, TenantViews

# Root fields that read nothing but the caller's own PIN (its tenant tables and its own row
# of ``pins``, which only its own events change). Any other root field reads rows that other
# PINs' events change (shared activities, registrations, statistics, ...): global version.
TENANT_ROOTS = frozenset(
    {
        "__typename",
        "me",
        "pin",
        "cohorts",
        "cohort",
        "groups",
        "group",
        "mentors",
        "mentor",
        "mentees",
        "mentee",
        # follow_ups joined with the PIN's mentees, cohorts and outcomes (follow_up_queries)
        "followUpsDue",
        "followUp",
    }
)


_VERSION = (
    "SELECT coalesce((SELECT version FROM tenant_versions WHERE tenant_id = ?), 0) AS n, "
    "{table} AS tables, (SELECT coalesce(max(position), -1) FROM projection_tracking "
    "WHERE projection = ? AND part = ?) AS rebuilt"
)


class TenantVersions:
    def __init__(self, read_models: ReadModels, *, in_process: bool) -> None:
        self._read_models = read_models
        self._in_process = in_process
        self._noted: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def in_memory(self) -> bool:
        """Whether ``version`` answers from memory (no database read, no worker thread)."""
        return self._in_process

    def noted(self, envelopes: Sequence[EventEnvelope]) -> None:
        """Embedded: the projection has returned from ``envelopes`` (applied, skipped as
        already applied, or stopped at one of them: either way their PINs may have changed)."""
        with self._lock:
            for envelope in envelopes:
                tenant = str(envelope.tenant_id)
                # strictly increasing, even for a position delivered again: never reused
                self._noted[tenant] = max(self._noted.get(tenant, 0) + 1, envelope.position)

    def version(self, tenant_id: str) -> tuple[int, int, int]:
        """Changes whenever ``tenant_id``'s read models change."""
        if self._in_process:
            with self._lock:
                return (self._noted.get(tenant_id, 0), 0, 0)
        postgres = isinstance(self._read_models, PostgresReadModels)
        with self._read_models.reading(tenant_id) as conn:
            row = conn.execute(
                _VERSION.format(
                    table="to_regclass('tenant_versions')::oid::bigint" if postgres else "0"
                ),
                (tenant_id, TenantViews.name, FLOOR),
            ).fetchone()
        return (int(row["n"]), int(row["tables"]), int(row["rebuilt"]))


def noting(
    handle: Callable[[Sequence[EventEnvelope]], None], versions: TenantVersions
) -> Callable[[Sequence[EventEnvelope]], None]:
    """``handle`` (the projection's), then ``versions.noted``, whatever ``handle`` did."""

    def handled(envelopes: Sequence[EventEnvelope]) -> None:
        try:
            handle(envelopes)
        finally:
            versions.noted(envelopes)

    return handled
