"""Where a projection stands: its tracked positions, watermarks, lag and reported status.

Each bus partition's last applied store position is kept in ``projection_tracking`` with the
read models it produced (``FLOOR`` bounds them all from below after a rebuild). Projector
processes report watermarks and lag; the gateway's ``/readyz`` reads the reported status.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from projections.database import Executor, ReadModels

log = logging.getLogger(__name__)

FLOOR = -1  # tracking row that bounds every partition from below (set by a rebuild)
WATERMARK_FRESHNESS = 10.0  # seconds after which a projector's watermark no longer counts


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    error: str | None


class Tracking:
    """A projection's positions and status, as stored with its read models."""

    name: str

    def __init__(self, db: ReadModels, *, in_process: bool) -> None:
        self._db = db
        self._in_process = in_process
        self._changed = threading.Condition()
        self._error: str | None = None
        self._position = self.stored_position()

    def _tracked(self, tx: Executor, part: int) -> int:
        row = tx.execute(
            "SELECT max(position) AS position FROM projection_tracking "
            "WHERE projection = ? AND part IN (?, ?)",
            (self.name, part, FLOOR),
        ).fetchone()
        return int(row["position"]) if row and row["position"] is not None else 0

    def _read(self, sql: str, *params: Any) -> Any:
        """The one row (or None) of ``sql`` about this projection (its name the first
        parameter), in a read snapshot."""
        with self._db.reading() as tx:
            return tx.execute(sql, (self.name, *params)).fetchone()

    def version(self) -> int:
        """Changes whenever the read models change (the sum of the tracked positions)."""
        if self._in_process:
            return self._position
        row = self._read(
            "SELECT coalesce(sum(position), 0) AS version FROM projection_tracking "
            "WHERE projection = ?"
        )
        return int(row["version"])

    def tracked(self, part: int) -> int:
        """The store position applied last in bus partition ``part``."""
        with self._db.reading() as tx:
            return self._tracked(tx, part)

    def _tracked_parts(self, tx: Executor, parts: Sequence[int]) -> dict[int, int]:
        """``_tracked`` of several partitions, in one statement."""
        wanted = [*parts, FLOOR]
        rows = tx.execute(
            "SELECT part, position FROM projection_tracking WHERE projection = ? "
            f"AND part IN ({', '.join('?' * len(wanted))})",
            (self.name, *wanted),
        ).fetchall()
        found = {int(row["part"]): int(row["position"]) for row in rows}
        floor = found.get(FLOOR, 0)
        return {part: max(found.get(part, 0), floor) for part in parts}

    def tracked_parts(self, parts: Sequence[int]) -> dict[int, int]:
        """``tracked`` of several bus partitions, read together."""
        with self._db.reading() as tx:
            return self._tracked_parts(tx, parts)

    def stored_position(self) -> int:
        """The highest store position applied, as committed in the database."""
        row = self._read(
            "SELECT max(position) AS position FROM projection_tracking WHERE projection = ?"
        )
        return int(row["position"]) if row and row["position"] is not None else 0

    @property
    def status(self) -> ProjectionStatus:
        return ProjectionStatus(self.name, self._position, self._error)

    def _report(self, *, error: str | None) -> None:
        """Record a stop (or its end) where the gateway's /readyz sees it."""
        try:
            with self._db.transaction() as tx:
                tx.execute(
                    "INSERT INTO projection_status (projection, error, updated_at) "
                    "VALUES (?, ?, ?) ON CONFLICT (projection) DO UPDATE "
                    "SET error = excluded.error, updated_at = excluded.updated_at",
                    (self.name, error, _now()),
                )
        except Exception:
            log.exception("projection %s: could not record its status", self.name)

    def report_lag(self, lag_events: int, lag_seconds: float) -> None:
        """Record the projector's lag behind the bus (Kafka consumer lag)."""
        with self._db.transaction() as tx:
            tx.execute(
                "INSERT INTO projection_status (projection, lag_events, lag_seconds, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (projection) DO UPDATE SET "
                "lag_events = excluded.lag_events, lag_seconds = excluded.lag_seconds, "
                "updated_at = excluded.updated_at",
                (self.name, lag_events, lag_seconds, _now()),
            )

    def lag(self, head: int) -> tuple[int, float]:
        """(store positions, seconds) the read models are behind the store's ``head``.

        Positions have gaps, so the first figure bounds the number of pending events from
        above; the second is the age of the newest applied event while any are pending.
        """
        row = self._read(
            "SELECT position, occurred_at FROM projection_tracking WHERE projection = ? "
            "ORDER BY position DESC LIMIT 1"
        )
        position = int(row["position"]) if row else 0
        behind = max(0, head - position)
        if not behind or not row or not row["occurred_at"]:
            return behind, 0.0
        age = datetime.now(UTC) - datetime.fromisoformat(row["occurred_at"])
        return behind, max(0.0, age.total_seconds())

    def reported(self) -> dict[str, Any] | None:
        """The last status a projector recorded (any process), or None."""
        row = self._read(
            "SELECT error, lag_events, lag_seconds, updated_at FROM projection_status "
            "WHERE projection = ?"
        )
        return dict(row) if row else None

    def report_watermark(self, member: str, watermark: int) -> None:
        """Record that every event up to ``watermark`` is applied, as ``member`` sees it."""
        with self._db.transaction() as tx:
            tx.execute(
                "INSERT INTO projection_watermarks (projection, member, watermark, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (projection, member) DO UPDATE SET "
                "watermark = excluded.watermark, updated_at = excluded.updated_at",
                (self.name, member, watermark, _now()),
            )

    def withdraw_watermark(self, member: str) -> None:
        """Forget ``member``'s report: it no longer applies anything (it closed)."""
        with self._db.transaction() as tx:
            tx.execute(
                "DELETE FROM projection_watermarks WHERE projection = ? AND member = ?",
                (self.name, member),
            )

    def watermark(self) -> int:
        """The store position up to which every event is applied, as far as known.

        In-process: the last applied position (one ordered partition). With projector
        processes: the lowest watermark any of them reported in the last seconds.
        """
        if self._in_process:
            return self._position
        fresh = (datetime.now(UTC) - timedelta(seconds=WATERMARK_FRESHNESS)).isoformat()
        row = self._read(
            "SELECT min(watermark) AS watermark FROM projection_watermarks "
            "WHERE projection = ? AND updated_at > ?",
            fresh,
        )
        return int(row["watermark"]) if row and row["watermark"] is not None else 0

    def wait_for(self, position: int, timeout: float) -> bool:
        """Wait until every event up to ``position`` is applied; False after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.watermark() < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.01 if not self._in_process else 0.05))
        return True


def _now() -> str:
    return datetime.now(UTC).isoformat()
