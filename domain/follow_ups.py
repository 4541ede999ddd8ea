"""Follow-ups: asking a mentee, after their round, whether they moved forward.

A round ends on its cohort's ``ends_on`` (the dates a mentee keeps from ``Mentee.join_round``;
closing a cohort is a change of state with no date of its own, and it is the planned end that
links later outcomes to the round, ``Mentee.round_for``). Each round of a mentee has three
follow-ups, 3, 6 and 12 months after that day. A follow-up is recorded once, from its due
date on: as an outcome (recorded with it) or as "no change".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from uuid import UUID

from domain.errors import InvariantViolation


class Checkpoint(IntEnum):
    """When a follow-up is due: months after the end of the round."""

    THREE_MONTHS = 3
    SIX_MONTHS = 6
    TWELVE_MONTHS = 12


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def due_on(round_ends_on: date, checkpoint: Checkpoint) -> date:
    """The day a follow-up of a round ending on ``round_ends_on`` is due."""
    return add_months(round_ends_on, Checkpoint(checkpoint).value)


@dataclass(frozen=True)
class FollowUp:
    """A follow-up done: on which day, and the outcome recorded with it (None: no change)."""

    cohort_id: UUID
    checkpoint: Checkpoint
    recorded_on: date
    outcome_id: UUID | None


def require_due(
    checkpoint: Checkpoint, round_ends_on: date | None, today: date, done: FollowUp | None
) -> None:
    """Refuse a follow-up of a round the mentee took no part in, one not yet due, or one
    already recorded."""
    months = Checkpoint(checkpoint).value
    if round_ends_on is None:
        raise InvariantViolation("The mentee took no part in that round; it has no follow-ups.")
    due = due_on(round_ends_on, checkpoint)
    if today < due:
        raise InvariantViolation(
            f"The {months}-month follow-up is due on {due}; it cannot be recorded before."
        )
    if done is not None:
        raise InvariantViolation(
            f"The {months}-month follow-up of this round was already recorded on "
            f"{done.recorded_on}."
        )
