"""Releases of the public statistics: on a schedule beside the audit checkpoints, or on demand.

A release is computed from the live counters in the read models, protected as a whole
(projections/statistics.py), tied to the latest signed global checkpoint, and stored; the
public reads only releases. Any process may issue one (the gateway's embedded audit thread,
`mentoring audit follow`, `mentoring statistics release`, the admin's mutation); two at the same
moment cannot both store the same release number.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta

import psycopg

from domain.audit.records import GLOBAL_TREE
from projections.audit.log import AuditLog
from projections.database import ReadModels
from projections.statistics import (
    Dimension,
    Release,
    Statistics,
    draft_release,
    latest_release,
    network_statistics,
    store_release,
)
from services.settings import Settings

log = logging.getLogger(__name__)

STORE_ATTEMPTS = 5
INTEGRITY_ERRORS = (sqlite3.IntegrityError, psycopg.errors.UniqueViolation)


class StatisticsReleases:
    def __init__(self, settings: Settings, read_models: ReadModels, audit_log: AuditLog) -> None:
        self._settings = settings
        self._db = read_models
        self._audit_log = audit_log

    def statistics(self, by: Dimension) -> Statistics:
        """The latest release broken down ``by`` one dimension."""
        with self._db.reading() as conn:
            return network_statistics(conn, by)

    def latest(self) -> Release | None:
        with self._db.reading() as conn:
            return latest_release(conn)

    def release(self) -> Release:
        """Compute, protect and store a release of the statistics as they are now."""
        for attempt in range(STORE_ATTEMPTS):
            try:
                return self._release()
            except INTEGRITY_ERRORS:
                # Another process stored the same release number first: take the next one.
                if attempt == STORE_ATTEMPTS - 1:
                    raise
                log.info("statistics: another release was stored at the same moment; again")
        raise AssertionError("unreachable")

    def _release(self) -> Release:
        checkpoint = self._audit_log.latest_checkpoint(GLOBAL_TREE)
        with self._db.transaction() as tx:
            row = tx.execute(
                "SELECT coalesce(max(position), 0) AS position FROM projection_tracking"
            ).fetchone()
            draft = draft_release(tx, self._settings.statistics_threshold)
            release = store_release(
                tx,
                draft,
                int(row["position"]),
                (checkpoint.tree_size, checkpoint.root_hash.hex()) if checkpoint else None,
            )
        protection = draft.protection
        for weak in protection.unresolved:
            log.warning(
                "statistics: %s can narrow the %s of %s %s (%s) to [%g, %g] from what it "
                "knew before this release",
                weak.attacker,
                weak.quantity,
                weak.cell.dimension,
                weak.cell.key,
                weak.cell.metric,
                weak.low,
                weak.high,
            )
        log.info(
            "statistics: release %d at position %d: %d numbers, %d suppressed (%d primary, "
            "%d secondary)",
            release.id,
            release.position,
            len(protection.published),
            len(protection.primary) + len(protection.secondary),
            len(protection.primary),
            len(protection.secondary),
        )
        return release

    def release_if_due(self) -> Release | None:
        """On schedule: a new release when the interval has passed and the counters moved."""
        interval = self._settings.statistics_release_interval
        if not interval:
            return None
        latest = self.latest()
        if latest is not None:
            age = datetime.now(UTC) - datetime.fromisoformat(latest.released_at)
            if age < timedelta(seconds=interval):
                return None
            with self._db.reading() as conn:
                row = conn.execute(
                    "SELECT coalesce(max(position), 0) AS position FROM projection_tracking"
                ).fetchone()
            if int(row["position"]) == latest.position:
                return None
        try:
            return self.release()
        except Exception:
            log.exception("statistics: the scheduled release failed; retrying at the next one")
            return None
