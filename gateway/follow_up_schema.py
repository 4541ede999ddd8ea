"""GraphQL of follow-ups (coordinators): who is due for their 3-, 6- or 12-month follow-up
after their round, and recording one, as an outcome or as "no change".

A round ends on its cohort's ``endsOn``; see ``domain/follow_ups.py``.
"""

from __future__ import annotations

from datetime import date

import strawberry

from domain.follow_ups import Checkpoint
from domain.values import OutcomeKind
from gateway.resolvers import consistent, found, run_use_case
from gateway.types import (
    Connection,
    Ctx,
    Outcome,
    check_first,
    decode_cursor,
    parse_id,
    to_connection,
)
from projections import follow_up_queries as fq
from services import commands as c
from services import follow_up_use_cases as fu
from services.context import Role

strawberry.enum(Checkpoint, name="FollowUpCheckpoint", description="Months after the round.")


@strawberry.type(description="A mentee's follow-up after one of their rounds.")
class FollowUp:
    mentee_id: strawberry.ID
    mentee_name: str
    cohort_id: strawberry.ID
    cohort_name: str
    round_ended_on: date | None
    checkpoint: Checkpoint
    due_on: date
    recorded: bool
    recorded_on: date | None
    outcome: Outcome | None = strawberry.field(
        description="The outcome recorded at this follow-up; null: none (or not yet recorded)."
    )
    contact_allowed: bool = strawberry.field(
        description="False when the mentee withdrew consent to follow-up contact: do not "
        "contact them."
    )

    @classmethod
    def of(cls, row: fq.FollowUpRow) -> FollowUp:
        outcome = None
        if row.outcome_id and row.outcome_kind and row.outcome_occurred_on:
            outcome = Outcome(
                id=strawberry.ID(row.outcome_id),
                kind=OutcomeKind(row.outcome_kind),
                occurred_on=date.fromisoformat(row.outcome_occurred_on),
                evidence=row.outcome_evidence or "",
                cohort_id=strawberry.ID(row.cohort_id),
            )
        return cls(
            mentee_id=strawberry.ID(row.mentee_id),
            mentee_name=row.mentee_name,
            cohort_id=strawberry.ID(row.cohort_id),
            cohort_name=row.cohort_name,
            round_ended_on=date.fromisoformat(row.round_ends_on) if row.round_ends_on else None,
            checkpoint=Checkpoint(row.months),
            due_on=date.fromisoformat(row.due_on),
            recorded=row.recorded_on is not None,
            recorded_on=date.fromisoformat(row.recorded_on) if row.recorded_on else None,
            outcome=outcome,
            contact_allowed=row.contact_allowed,
        )


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
    return FollowUp.of(found(row, "follow-up", f"{mentee_id}/{cohort_id}/{checkpoint.name}"))


@strawberry.type
class FollowUpQuery:
    @strawberry.field(
        description="Follow-ups due on or before dueBy (default: today), the earliest first; "
        "those already recorded only with includeRecorded (coordinator)."
    )
    async def follow_ups_due(
        self,
        info: Ctx,
        due_by: date | None = None,
        include_recorded: bool = False,
        first: int = 50,
        after: str | None = None,
        consistent_with: int | None = None,
    ) -> Connection[FollowUp]:
        await consistent(info, consistent_with)
        caller = info.context.reader(Role.COORDINATOR)
        if due_by is None:  # due by today: the date changes the answer, not the projection
            info.context.cacheable = False
        page = await info.context.read(
            fq.follow_ups_due,
            str(caller.tenant_id),
            str(due_by or date.today()),
            include_recorded=include_recorded,
            first=check_first(first),
            after=decode_cursor(after),
        )
        return to_connection(page, FollowUp.of)

    @strawberry.field(description="One follow-up of a mentee's round (coordinator).")
    async def follow_up(
        self,
        info: Ctx,
        mentee_id: strawberry.ID,
        cohort_id: strawberry.ID,
        checkpoint: Checkpoint,
        consistent_with: int | None = None,
    ) -> FollowUp:
        await consistent(info, consistent_with)
        info.context.reader(Role.COORDINATOR)
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
