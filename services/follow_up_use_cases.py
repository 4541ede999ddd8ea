"""The use case of a follow-up: a coordinator records a mentee's 3-, 6- or 12-month follow-up
after their round, as an outcome (recorded with it) or as "no change"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.errors import InvalidValue
from domain.follow_ups import Checkpoint
from domain.people import Mentee
from services.commands import RecordOutcome
from services.context import Role, TenantContext
from services.errors import Forbidden, NotFound
from services.store import MentoringStore
from services.use_cases import Changed, load, save, use_case


@dataclass(frozen=True)
class RecordFollowUp:
    """Either ``no_change`` or the ``outcome`` the follow-up found."""

    mentee_id: UUID
    cohort_id: UUID
    checkpoint: Checkpoint
    no_change: bool = False
    outcome: RecordOutcome | None = None


@use_case
def record_follow_up(
    store: MentoringStore,
    cmd: RecordFollowUp,
    ctx: TenantContext,
    today: Callable[[], date] = date.today,
) -> Changed:
    """Record the follow-up as done today; with an outcome, the outcome too (one save).

    A round the mentee took no part in has no follow-ups: it is not found, like another
    PIN's mentee or cohort."""
    if ctx.role != Role.COORDINATOR:
        raise Forbidden(f"The {ctx.role} role may not do this.")
    mentee = load(store, Mentee, cmd.mentee_id, ctx)
    if cmd.cohort_id not in mentee.rounds:
        raise NotFound("round of this mentee", cmd.cohort_id)
    outcome, day = cmd.outcome, today()
    if cmd.no_change == (outcome is not None):
        raise InvalidValue("Give either noChange: true or an outcome (one of the two).")
    if outcome is not None and outcome.occurred_on > day:
        raise InvalidValue(f"An outcome cannot be dated in the future ({outcome.occurred_on}).")
    mentee.record_follow_up(
        cmd.cohort_id,
        cmd.checkpoint,
        day,
        (outcome.kind, outcome.occurred_on, outcome.evidence) if outcome is not None else None,
    )
    return Changed(mentee.id, save(store, mentee))
