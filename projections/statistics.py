"""Programme statistics across PINs, published as protected releases.

The projection keeps live counters (``network_stats``: per PIN, cohort and profession). They
never leave the platform as they are: a *release* is computed from them at one moment, every
breakdown protected together (``projections.disclosure_control``), stored, and served until
the next release. Between releases nothing a writer does shows, so no one can watch a hidden
count appear after their own writes. No personal data: counts only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from domain.values import OutcomeKind
from projections.database import Executor
from projections.disclosure_control import Attacker, Cell, Microcell, Protection, protect

OUTCOME_METRICS = tuple(f"outcome_{kind.value}" for kind in OutcomeKind)
# Absences are published as a count of their own (and attendance recorded is not), so the
# difference of two published numbers never is a count that escaped protection. Groups and
# sessions are not published: with attendance they give group sizes, and a round's groups.
COHORT_METRICS = (
    "mentees_served",
    "attendance_present",
    "attendance_absent",
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
METHOD = "contributor threshold rule; linked tables protected together by an LP interval audit"


# How the projection keeps each count (projections/programme_counts.py), which anyone can read:
# per cohort and profession, per profession only (trainings), or per cohort only (attendance).
BY_PROFESSION_ONLY = ("mentee_trainings", "mentor_trainings")
BY_COHORT_ONLY = ("attendance_present", "attendance_absent")


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
TOTAL_KEY = "all"
# The narrowest interval the release's own attack accepts for a hidden small part: never
# pinned to one value (docs/privacy.md).
PROTECTION_WIDTH = 1.0


@dataclass(frozen=True)
class StatisticsCell:
    key: str
    label: str
    values: dict[str, int | None]  # None: suppressed


@dataclass(frozen=True)
class Release:
    id: int
    released_at: str
    position: int
    threshold: int
    checkpoint_tree_size: int | None
    checkpoint_root: str | None


@dataclass(frozen=True)
class Statistics:
    by: Dimension
    threshold: int
    cells: list[StatisticsCell]
    total: dict[str, int | None]
    release: Release | None


@dataclass(frozen=True)
class Draft:
    """A computed release before it is stored: what to publish and the audit behind it."""

    threshold: int
    labels: dict[tuple[str, str], str]
    protection: Protection
    microdata: dict[str, dict[Microcell, int]]


def microdata(conn: Executor) -> dict[str, dict[Microcell, int]]:
    """The live counters, per metric and microcell (absences derived from attendance)."""
    counts: dict[str, dict[Microcell, int]] = defaultdict(lambda: defaultdict(int))
    for row in conn.execute(
        "SELECT tenant_id, cohort_id, profession, metric, value FROM network_stats"
    ).fetchall():
        # A profession's sub-field (`Engineering / Civil`) is free text: cells are kept per
        # listed profession, so no one can make a cell of their own by typing a sub-field.
        profession = row["profession"].split("/", 1)[0].strip()
        cell = (row["tenant_id"], row["cohort_id"], profession)
        counts[row["metric"]][cell] += int(row["value"])
    recorded = counts.pop("attendance_recorded", {})
    present = counts.get("attendance_present", {})
    counts["attendance_absent"] = defaultdict(
        int, {cell: value - present.get(cell, 0) for cell, value in recorded.items()}
    )
    return {metric: dict(cells) for metric, cells in counts.items()}


def _key(dimension: Dimension, cell: Microcell) -> str | None:
    tenant, cohort, profession = cell
    if dimension == Dimension.PIN:
        return tenant
    if dimension == Dimension.COHORT:
        return cohort
    if dimension == Dimension.PROFESSION:
        return profession or None  # counters without a profession are in no profession cell
    return TOTAL_KEY


def spaces(counts: dict[str, dict[Microcell, int]]) -> dict[str, frozenset[Microcell]]:
    """Per metric, the microcells it can fill: the combinations of PIN, cohort and profession
    that exist (any counter of them), in the shape the metric is kept in."""
    everything = {microcell for metric in counts.values() for microcell in metric}
    # Attendance is kept per group's cohort; trainings per person's profession; people's
    # counts per cohort (or none, for an outcome outside a round) and profession (always set).
    by_cohort = frozenset((t, c, "") for t, c, _ in everything if c)
    by_profession = frozenset((t, "", p) for t, _, p in everything if p)
    by_both = frozenset(m for m in everything if m[2]) | by_profession
    return {
        metric: by_profession
        if metric in BY_PROFESSION_ONLY
        else by_cohort
        if metric in BY_COHORT_ONLY
        else by_both
        for metric in ALL_METRICS
    }


def published_cells(
    counts: dict[str, dict[Microcell, int]], labels: dict[tuple[str, str], str] | None = None
) -> list[Cell]:
    """Every number a release publishes, each as the sum of its microcells (zeros too)."""
    cells = []
    for metric, space in spaces(counts).items():
        for dimension, metrics in METRICS_BY.items():
            if metric not in metrics:
                continue
            members: dict[str, set[Microcell]] = defaultdict(set)
            for microcell in space:
                key = _key(dimension, microcell)
                if key is not None:
                    members[key].add(microcell)
            cells += [
                Cell(
                    dimension.value,
                    key,
                    metric,
                    frozenset(found),
                    (labels or {}).get((dimension.value, key), key),
                )
                for key, found in sorted(members.items())
            ]
    return cells


def attackers(
    counts: dict[str, dict[Microcell, int]], rounds: dict[str, list[str]], threshold: int
) -> list[Attacker]:
    """Anyone; each PIN, knowing all of its own counts; a funder, knowing what its reports
    show (``funder_report_cells``)."""
    tenants = sorted({cell[0] for metric in counts.values() for cell in metric})
    pins = [Attacker(f"PIN {tenant}", tenant=tenant) for tenant in tenants]
    totals = _exact_totals(counts, rounds)
    shown = protect(  # what a funder report would print of one PIN's figures
        counts,
        funder_report_cells(counts, rounds),
        [Attacker("a funder", aggregates=tuple(totals)), *pins],
        threshold,
        spaces=spaces(counts),
    )
    # A report prints a figure of one PIN only when it is at least the threshold (zeros too
    # are withheld there, next to exact totals).
    known = [
        (c.metric, c.members)
        for c, value in shown.published.items()
        if value is not None and value >= threshold
    ]
    return [Attacker("anyone"), *pins, Attacker("a funder", aggregates=(*totals, *known))]


def _exact_totals(
    counts: dict[str, dict[Microcell, int]], rounds: dict[str, list[str]]
) -> list[tuple[str, frozenset[Microcell]]]:
    """What a funder report prints exactly: the programme's totals, and each round's where
    the round spans two PINs or more (docs/privacy.md)."""
    totals = []
    for metric, space in spaces(counts).items():
        totals.append((metric, space))
        if metric not in COHORT_METRICS:
            continue
        for cohorts in rounds.values():
            members = frozenset(c for c in space if c[1] in cohorts)
            if len({c[0] for c in members}) >= 2:
                totals.append((metric, members))
    return totals


def funder_report_cells(
    counts: dict[str, dict[Microcell, int]], rounds: dict[str, list[str]]
) -> list[Cell]:
    """The figures of one PIN that a funder report may print: per PIN, and per cohort."""
    cells = []
    cohorts = [(cohort, name) for name, ids in sorted(rounds.items()) for cohort in ids]
    for metric, space in spaces(counts).items():
        for tenant in sorted({c[0] for c in space}):
            cells.append(Cell("pin", tenant, metric, frozenset(c for c in space if c[0] == tenant)))
        if metric in COHORT_METRICS:
            for cohort, name in cohorts:
                members = frozenset(c for c in space if c[1] == cohort)
                tenant = min((c[0] for c in members), default="")
                cells.append(Cell("cohort", cohort, metric, members, f"{name} {tenant}"))
    return [cell for cell in cells if cell.members]


def _labels(conn: Executor) -> dict[tuple[str, str], str]:
    labels = {(Dimension.TOTAL.value, TOTAL_KEY): "all PINs"}
    for row in conn.execute("SELECT tenant_id, name FROM pins").fetchall():
        labels[Dimension.PIN.value, row["tenant_id"]] = row["name"]
    rows = conn.execute(
        "SELECT c.cohort_id, c.name, p.slug FROM network_cohorts c "
        "LEFT JOIN pins p ON p.tenant_id = c.tenant_id"
    ).fetchall()
    for row in rows:
        labels[Dimension.COHORT.value, row["cohort_id"]] = (
            f"{(row['slug'] or '').upper()} {row['name']}"
        )
    labels[Dimension.COHORT.value, ""] = "not linked to a round"
    return labels


def _rounds(conn: Executor) -> dict[str, list[str]]:
    """Cohort ids by round (cohorts of the same name across PINs)."""
    rounds: dict[str, list[str]] = defaultdict(list)
    for row in conn.execute("SELECT cohort_id, name FROM network_cohorts").fetchall():
        rounds[row["name"]].append(row["cohort_id"])
    return dict(rounds)


def draft_release(conn: Executor, threshold: int) -> Draft:
    """Compute a release from the live counters: every breakdown, protected together."""
    counts = microdata(conn)
    labels = _labels(conn)
    protection = protect(
        counts,
        published_cells(counts, labels),
        attackers(counts, _rounds(conn), threshold),
        threshold,
        spaces=spaces(counts),
        width=PROTECTION_WIDTH,
    )
    return Draft(threshold, labels, protection, counts)


def store_release(
    tx: Executor, draft: Draft, position: int, checkpoint: tuple[int, str] | None = None
) -> Release:
    """Store ``draft`` as the next release; from now on it is what the public reads."""
    row = tx.execute("SELECT coalesce(max(id), 0) + 1 AS id FROM statistics_releases").fetchone()
    released_at = datetime.now(UTC).isoformat()
    release = Release(
        int(row["id"]),
        released_at,
        position,
        draft.threshold,
        checkpoint[0] if checkpoint else None,
        checkpoint[1] if checkpoint else None,
    )
    tx.execute(
        "INSERT INTO statistics_releases (id, released_at, position, threshold, method, "
        "checkpoint_tree_size, checkpoint_root) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            release.id,
            released_at,
            position,
            draft.threshold,
            METHOD,
            release.checkpoint_tree_size,
            release.checkpoint_root,
        ),
    )
    for cell, value in draft.protection.published.items():
        tx.execute(
            "INSERT INTO statistics_release_values (release_id, dimension, cell, label, metric, "
            "value) VALUES (?, ?, ?, ?, ?, ?)",
            (
                release.id,
                cell.dimension,
                cell.key,
                draft.labels.get((cell.dimension, cell.key), cell.key),
                cell.metric,
                value,
            ),
        )
    return release


def _release(row: Any) -> Release:
    return Release(
        int(row["id"]),
        row["released_at"],
        int(row["position"]),
        int(row["threshold"]),
        None if row["checkpoint_tree_size"] is None else int(row["checkpoint_tree_size"]),
        row["checkpoint_root"],
    )


def latest_release(conn: Executor) -> Release | None:
    row = conn.execute(
        "SELECT id, released_at, position, threshold, checkpoint_tree_size, checkpoint_root "
        "FROM statistics_releases ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return _release(row) if row else None


def _published(
    conn: Executor, release: Release, dimension: Dimension, metrics: tuple[str, ...]
) -> dict[str, StatisticsCell]:
    cells: dict[str, StatisticsCell] = {}
    for row in conn.execute(
        "SELECT cell, label, metric, value FROM statistics_release_values "
        "WHERE release_id = ? AND dimension = ? ORDER BY cell, metric",
        (release.id, dimension.value),
    ).fetchall():
        if row["metric"] in metrics:
            # A metric with no number for this cell cannot count anything there (attendance
            # outside a round, say): the release covers every place a count can be, so 0.
            cell = cells.setdefault(
                row["cell"], StatisticsCell(row["cell"], row["label"], dict.fromkeys(metrics, 0))
            )
            cell.values[row["metric"]] = None if row["value"] is None else int(row["value"])
    return cells


def network_statistics(conn: Executor, by: Dimension, release: Release | None = None) -> Statistics:
    """The latest release (or ``release``) broken down ``by`` one dimension."""
    metrics = METRICS_BY[by]
    release = release or latest_release(conn)
    if release is None:
        return Statistics(by, 0, [], dict.fromkeys(metrics), None)
    cells = _published(conn, release, by, metrics)
    total = _published(conn, release, Dimension.TOTAL, metrics).get(TOTAL_KEY)
    return Statistics(
        by=by,
        threshold=release.threshold,
        cells=[cells[key] for key in sorted(cells)],
        total=total.values if total else dict.fromkeys(metrics),
        release=release,
    )
