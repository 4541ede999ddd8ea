"""The tenant views' handlers with logic: the programme statistics each event moves.

The statistics (``network_stats``, read by ``projections.statistics``) are kept per PIN,
cohort, profession and metric. Each counting function is written once, against a ``Tally``:
live, the statements of the projection's transaction with the facts it keeps in memory
(``LiveTally``); in a rebuild, the rows folded so far (``projections.rebuild_fold.Fold``).
Attendance, whose second record of a session changes the count by the difference, is
written twice, side by side, as cosmicpython's handlers are: SQL and its fold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from domain.envelope import EventEnvelope
from projections.database import Executor
from projections.facts import Facts
from projections.handling import Handling, no_statement, nothing_to_fold
from projections.tenant_tables import Attendance, Outcomes

if TYPE_CHECKING:
    from projections.rebuild_fold import Fold


Statistic = tuple[str, str, str, str]
"""A programme statistic's key: (PIN, cohort or "", profession or "", metric)."""


class Tally(Protocol):
    """What counting needs: facts about people and groups, and the statistics to move."""

    def profession(self, table: str, person_id: str) -> str: ...

    def group_cohort(self, group_id: str) -> str: ...

    def first_outcome(self, mentee_id: str, cohort_id: str | None) -> bool: ...

    def remember(self, kind: str, ident: str, value: str) -> None: ...

    def add(self, statistic: Statistic, by: int) -> None:
        """Add ``by`` to ``statistic``."""


TallyFn = Callable[[Tally, EventEnvelope], None]


class LiveTally:
    """The ``Tally`` of a live transaction."""

    def __init__(self, tx: Executor, facts: Facts) -> None:
        self._tx = tx
        self._facts = facts

    def profession(self, table: str, person_id: str) -> str:
        return self._facts.profession(self._tx, table, person_id)

    def group_cohort(self, group_id: str) -> str:
        return self._facts.group_cohort(self._tx, group_id)

    def first_outcome(self, mentee_id: str, cohort_id: str | None) -> bool:
        earlier = self._tx.execute(
            "SELECT count(*) AS n FROM outcomes WHERE mentee_id = ? "
            "AND coalesce(cohort_id, '') = ?",
            (mentee_id, cohort_id or ""),
        ).fetchone()
        return not earlier["n"]

    def remember(self, kind: str, ident: str, value: str) -> None:
        self._facts.remember(kind, ident, value)

    def add(self, statistic: Statistic, by: int) -> None:
        self._tx.execute(
            "INSERT INTO network_stats (tenant_id, cohort_id, profession, metric, value) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, cohort_id, profession, metric) "
            "DO UPDATE SET value = network_stats.value + excluded.value",
            (*statistic, by),
        )


def bump(
    t: Tally,
    e: EventEnvelope,
    metric: str,
    *,
    cohort_id: str | None = None,
    profession: str = "",
    by: int = 1,
) -> None:
    """Add ``by`` to a programme statistic of the event's PIN."""
    t.add((e.tenant_id, cohort_id or "", profession, metric), by)


def counting(tally: TallyFn, facts: Facts) -> Handling:
    """``tally`` live (with ``facts``) and in a rebuild."""

    def apply(tx: Executor, e: EventEnvelope) -> None:
        tally(LiveTally(tx, facts), e)

    return Handling(apply, tally)


def enrolled(table: str, other: str, facts: Facts) -> Handling:
    """A person's profession, remembered (and that they are not of the ``other`` table);
    a rebuild has their rows for that."""

    def remember(tx: Executor, e: EventEnvelope) -> None:
        facts.remember(table, e.aggregate_id, e.payload["profession"])
        facts.remember(other, e.aggregate_id, "")

    return Handling(remember, nothing_to_fold)


def training_completed(t: Tally, e: EventEnvelope) -> None:
    for table, metric in (("mentees", "mentee_trainings"), ("mentors", "mentor_trainings")):
        profession = t.profession(table, e.aggregate_id)
        if profession:
            bump(t, e, metric, profession=profession)


def outcome_recorded(t: Tally, e: EventEnvelope) -> None:
    """Before the outcome's row: its mentee moved forward with the first of the round."""
    cohort_id = e.payload["cohort_id"]
    profession = t.profession("mentees", e.aggregate_id)
    if t.first_outcome(e.aggregate_id, cohort_id):
        bump(t, e, "mentees_moved_forward", cohort_id=cohort_id, profession=profession)
    bump(t, e, f"outcome_{e.payload['kind']}", cohort_id=cohort_id, profession=profession)


def joined_round(t: Tally, e: EventEnvelope) -> None:
    profession = t.profession("mentees", e.aggregate_id)
    bump(t, e, "mentees_served", cohort_id=e.payload["cohort_id"], profession=profession)


def group_formed(t: Tally, e: EventEnvelope) -> None:
    t.remember("group", e.aggregate_id, e.payload["cohort_id"])
    bump(t, e, "groups", cohort_id=e.payload["cohort_id"])


def session_held(t: Tally, e: EventEnvelope) -> None:
    bump(t, e, "sessions_held", cohort_id=t.group_cohort(e.aggregate_id))


def _index_outcome(f: Fold, e: EventEnvelope) -> None:
    """After the outcome's row: kept by mentee (erasure) and by round (``first_outcome``)."""
    f.outcome_cohorts.add((e.aggregate_id, e.payload["cohort_id"] or ""))
    f.outcomes_of.setdefault(e.aggregate_id, []).append(f.rows[Outcomes.table][Outcomes.key_of(e)])


INDEX_OUTCOME = Handling(no_statement, _index_outcome)  # live, the outcomes table is the index


def _attendance_counted(t: Tally, e: EventEnvelope, before: int | None) -> None:
    """A first record counts; a change of presence moves the count of those present."""
    cohort_id = t.group_cohort(e.aggregate_id)
    if before is None:
        bump(t, e, "attendance_recorded", cohort_id=cohort_id)
    present_change = int(e.payload["present"]) - (before or 0)
    if present_change:
        bump(t, e, "attendance_present", cohort_id=cohort_id, by=present_change)


def attendance_recorded(facts: Facts) -> Handling:
    """``Group.AttendanceRecorded``: a mentee's presence at a session, recorded or changed."""

    def apply(tx: Executor, e: EventEnvelope) -> None:
        before = tx.execute(
            "SELECT present FROM attendance WHERE group_id = ? AND number = ? AND mentee_id = ?",
            (e.aggregate_id, e.payload["number"], e.payload["mentee_id"]),
        ).fetchone()
        _attendance_counted(
            LiveTally(tx, facts), e, None if before is None else int(before["present"])
        )
        tx.execute(
            f"{Attendance.insert_sql} ON CONFLICT (group_id, number, mentee_id) "
            "DO UPDATE SET present = excluded.present",
            Attendance.values(e),
        )

    def fold(f: Fold, e: EventEnvelope) -> None:
        before = f.rows[Attendance.table].get(Attendance.key_of(e))
        present = Attendance.columns.index("present")
        _attendance_counted(f, e, None if before is None else int(before[present]))
        if before is None:
            f.rows[Attendance.table][Attendance.key_of(e)] = Attendance.row(e)
        else:
            before[present] = int(e.payload["present"])

    return Handling(apply, fold)
