"""GraphQL of follow-ups (coordinators): who is due for their 3-, 6- or 12-month follow-up
after their round, and recording one, as an outcome or as "no change".

A round ends on its cohort's ``endsOn``; see ``domain/follow_ups.py``.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import strawberry

from domain.follow_ups import Checkpoint
from domain.values import OutcomeKind
from gateway.conversion import FromRow
from gateway.extensions import ConsistentWith
from gateway.permissions import Coordinators
from gateway.resolvers import found, read_page, run_use_case
from gateway.types import Connection, Ctx, Outcome, parse_id
from projections import follow_up_queries as fq
from services import commands as c
from services import follow_up_use_cases as fu

strawberry.enum(Checkpoint, name="FollowUpCheckpoint", description="Months after the round.")


def _recorded(root: FollowUp) -> bool:
    return root.recorded_on is not None


@strawberry.type(description="A mentee's follow-up after one of their rounds.")
class FollowUp(FromRow, renamed={"round_ended_on": "round_ends_on", "checkpoint": "months"}):
    mentee_id: strawberry.ID
    mentee_name: str
    cohort_id: strawberry.ID
    cohort_name: str
    round_ended_on: date | None
    checkpoint: Checkpoint
    due_on: date
    recorded: bool = strawberry.field(resolver=_recorded)
    recorded_on: date | None
    outcome: Outcome | None = strawberry.field(
        description="The outcome recorded at this follow-up; null: none (or not yet recorded)."
    )
    contact_allowed: bool = strawberry.field(
        description="False when the mentee withdrew consent to follow-up contact: do not "
        "contact them."
    )


def _follow_up_of(row: fq.FollowUpRow) -> FollowUp:
    """The follow-up, with the outcome recorded at it (its columns are ``outcome_*``)."""
    outcome = None
    if row.outcome_id and row.outcome_kind and row.outcome_occurred_on:
        recorded = SimpleNamespace(
            id=row.outcome_id,
            kind=row.outcome_kind,
            occurred_on=row.outcome_occurred_on,
            evidence=row.outcome_evidence or "",
            cohort_id=row.cohort_id,
        )
        outcome = Outcome.of(recorded)
    return FollowUp.of(row, outcome=outcome)


@strawberry.input
class FollowUpOutcomeInput:
    kind: OutcomeKind
    occurred_on: date
    evidence: str


@strawberry.input
class RecordFollowUpInput:
    mentee_id: strawberry.ID
    cohort_id: strawberry.ID
    checkpoint: Checkpoint
    no_change: bool = strawberry.field(
        default=False, description="True: the follow-up found no change (give no outcome)."
    )
    outcome: FollowUpOutcomeInput | None = strawberry.field(
        default=None, description="The outcome the follow-up found (recorded as well)."
    )


@strawberry.type
class FollowUpPayload:
    follow_up: FollowUp
    position: int


async def _follow_up(info: Ctx, mentee_id: str, cohort_id: str, checkpoint: Checkpoint) -> FollowUp:
    row = await info.context.read(
        fq.follow_up, info.context.tenant, mentee_id, cohort_id, Checkpoint(checkpoint).value
    )
    return _follow_up_of(found(row, "follow-up", f"{mentee_id}/{cohort_id}/{checkpoint.name}"))


@strawberry.type
class FollowUpQuery:
    @strawberry.field(
        description="Follow-ups due on or before dueBy (default: today), the earliest first; "
        "those already recorded only with includeRecorded (coordinator).",
        permission_classes=[Coordinators],
        extensions=[ConsistentWith()],
    )
    async def follow_ups_due(
        self,
        info: Ctx,
        due_by: date | None = None,
        include_recorded: bool = False,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[FollowUp]:
        if due_by is None:  # due by today: the date changes the answer, not the projection
            info.context.cacheable = False
        due = str(due_by or date.today())
        return await read_page(
            info,
            fq.follow_ups_due,
            _follow_up_of,
            first,
            after,
            due,
            include_recorded=include_recorded,
        )

    @strawberry.field(
        description="One follow-up of a mentee's round (coordinator).",
        permission_classes=[Coordinators],
        extensions=[ConsistentWith()],
    )
    async def follow_up(
        self, info: Ctx, mentee_id: strawberry.ID, cohort_id: strawberry.ID, checkpoint: Checkpoint
    ) -> FollowUp:
        mentee, cohort = parse_id(mentee_id, "menteeId"), parse_id(cohort_id, "cohortId")
        return await _follow_up(info, str(mentee), str(cohort), checkpoint)


@strawberry.type
class FollowUpMutation:
    @strawberry.mutation(
        description="Record a follow-up as done today, from its due date on: with the outcome it "
        "found (recorded as well, as recordOutcome does), or with noChange: true."
    )
    async def record_follow_up(self, info: Ctx, input: RecordFollowUpInput) -> FollowUpPayload:
        mentee_id = parse_id(input.mentee_id, "menteeId")
        outcome = input.outcome
        command = fu.RecordFollowUp(
            mentee_id=mentee_id,
            cohort_id=parse_id(input.cohort_id, "cohortId"),
            checkpoint=input.checkpoint,
            no_change=input.no_change,
            outcome=(
                c.RecordOutcome(mentee_id, outcome.kind, outcome.occurred_on, outcome.evidence)
                if outcome is not None
                else None
            ),
        )
        _, changed = await run_use_case(info, fu.record_follow_up, command)
        follow_up = await _follow_up(
            info, str(mentee_id), str(command.cohort_id), command.checkpoint
        )
        return FollowUpPayload(follow_up=follow_up, position=changed.position)
