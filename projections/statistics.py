"""Programme statistics across PINs, read from the projection's counters and suppressed.

No personal data: counts only. Every breakdown (per PIN, profession, cohort, or the total)
goes through small-cell suppression before it leaves this module.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from domain.disclosure import suppress
from domain.values import OutcomeKind
from projections.database import Executor

OUTCOME_METRICS = tuple(f"outcome_{kind.value}" for kind in OutcomeKind)
COHORT_METRICS = (
    "mentees_served",
    "groups",
    "sessions_held",
    "attendance_present",
    "attendance_recorded",
    "mentees_moved_forward",
    *OUTCOME_METRICS,
)
PROFESSION_METRICS = (
    "mentees_served",
    "mentee_trainings",
    "mentor_trainings",
    "mentees_moved_forward",
    *OUTCOME_METRICS,
)
ALL_METRICS = tuple(dict.fromkeys((*COHORT_METRICS, *PROFESSION_METRICS)))


class Dimension(StrEnum):
    PIN = "pin"
    PROFESSION = "profession"
    COHORT = "cohort"
    TOTAL = "total"


METRICS_BY = {
    Dimension.PIN: ALL_METRICS,
    Dimension.TOTAL: ALL_METRICS,
    Dimension.PROFESSION: PROFESSION_METRICS,
    Dimension.COHORT: COHORT_METRICS,
}


@dataclass(frozen=True)
class Cell:
    key: str
    label: str
    values: dict[str, int | None]  # None: suppressed


@dataclass(frozen=True)
class Statistics:
    by: Dimension
    threshold: int
    cells: list[Cell]
    total: dict[str, int | None]


def _labels(conn: Executor, by: Dimension) -> dict[str, str]:
    if by == Dimension.PIN:
        return {
            r["tenant_id"]: r["name"]
            for r in conn.execute("SELECT tenant_id, name FROM pins").fetchall()
        }
    if by == Dimension.COHORT:
        rows = conn.execute(
            "SELECT c.cohort_id, c.name, p.slug FROM network_cohorts c "
            "LEFT JOIN pins p ON p.tenant_id = c.tenant_id"
        ).fetchall()
        return {r["cohort_id"]: f"{(r['slug'] or '').upper()} {r['name']}" for r in rows} | {
            "": "not linked to a round"
        }
    return {}


def network_statistics(conn: Executor, by: Dimension, threshold: int) -> Statistics:
    """The statistics broken down ``by`` one dimension, with small cells suppressed."""
    metrics = METRICS_BY[by]
    column = {
        Dimension.PIN: "tenant_id",
        Dimension.PROFESSION: "profession",
        Dimension.COHORT: "cohort_id",
        Dimension.TOTAL: "'all'",
    }[by]
    rows = conn.execute(
        f"SELECT {column} AS cell, metric, sum(value) AS value FROM network_stats "
        f"WHERE metric IN ({', '.join('?' for _ in metrics)}) GROUP BY cell, metric",
        list(metrics),
    ).fetchall()
    raw: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(metrics, 0))
    for row in rows:
        if by == Dimension.PROFESSION and row["cell"] == "":
            continue  # counters that have no profession
        raw[row["cell"]][row["metric"]] = int(row["value"])
    keys = sorted(raw)
    published: dict[str, dict[str, int | None]] = {key: {} for key in keys}
    total: dict[str, int | None] = {}
    for metric in metrics:
        result = suppress({key: raw[key][metric] for key in keys}, threshold)
        for key in keys:
            published[key][metric] = result.cells[key]
        total[metric] = result.total
    labels = _labels(conn, by)
    return Statistics(
        by=by,
        threshold=threshold,
        cells=[Cell(key, labels.get(key, key), published[key]) for key in keys],
        total=total,
    )
