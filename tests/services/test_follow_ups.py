"""Follow-ups through the use case and the read model: the pilot's round ended on 2024-04-30,
so its 3-month follow-ups fall due on 2024-07-30, its 6-month ones on 2024-10-30."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidValue, InvariantViolation
from domain.follow_ups import Checkpoint
from domain.values import OutcomeKind
from gateway.bootstrap import Platform
from projections import follow_up_queries as fq
from services import commands as c
from services import follow_up_use_cases as fu
from services.context import Role, TenantContext
from services.errors import Forbidden, NotFound
from services.privacy import use_cases as pu
from tests.services.conftest import Programme

THREE, SIX = date(2024, 7, 30), date(2024, 10, 30)


def due(platform: Platform, p: Programme, by: date, **kw: bool) -> list[tuple[str, int, str]]:
    """(mentee id, months, due on) of the follow-ups due by ``by``, as the read model lists."""
    if platform.relay is not None:
        platform.relay.pump()
    with platform.read_models.reading(str(p.ctx.tenant_id)) as conn:
        page = fq.follow_ups_due(conn, str(p.ctx.tenant_id), str(by), first=100, **kw)
    return [(row.mentee_id, row.months, str(row.due_on)) for _, row in page.items]


def record(
    platform: Platform, p: Programme, months: int, today: date, outcome: c.RecordOutcome | None
) -> None:
    command = fu.RecordFollowUp(
        p.mentee_ids[0], p.cohort_id, Checkpoint(months), outcome is None, outcome
    )
    fu.record_follow_up(platform.store, command, p.ctx, today=lambda: today)


def test_each_mentee_of_the_round_is_due_3_months_after_it_ends(
    platform: Platform, arec: Programme
) -> None:
    assert due(platform, arec, date(2024, 7, 29)) == []
    listed = due(platform, arec, THREE)
    assert sorted(listed) == sorted((str(m), 3, str(THREE)) for m in arec.mentee_ids)


def test_no_change_takes_the_follow_up_off_the_list_until_the_next_one(
    platform: Platform, arec: Programme
) -> None:
    first = str(arec.mentee_ids[0])
    record(platform, arec, 3, date(2024, 8, 2), None)

    assert first not in {m for m, _, _ in due(platform, arec, date(2024, 10, 29))}
    assert (first, 6, str(SIX)) in due(platform, arec, SIX)
    recorded = due(platform, arec, SIX, include_recorded=True)
    assert (first, 3, str(THREE)) in recorded


def test_an_outcome_at_a_follow_up_is_an_outcome_of_the_round(
    platform: Platform, arec: Programme
) -> None:
    offer = c.RecordOutcome(
        arec.mentee_ids[0], OutcomeKind.JOB_IN_FIELD, date(2024, 7, 15), "Offer letter"
    )
    record(platform, arec, 3, date(2024, 8, 2), offer)
    due(platform, arec, THREE)  # published

    with platform.read_models.reading(str(arec.ctx.tenant_id)) as conn:
        row = fq.follow_up(
            conn, str(arec.ctx.tenant_id), str(arec.mentee_ids[0]), str(arec.cohort_id), 3
        )
    assert row is not None
    assert (str(row.recorded_on), row.outcome_kind, row.outcome_evidence) == (
        "2024-08-02",
        "job_in_field",
        "Offer letter",
    )


def test_a_follow_up_is_refused_before_it_is_due_and_when_done(
    platform: Platform, arec: Programme
) -> None:
    with pytest.raises(InvariantViolation, match="due on 2024-10-30"):
        record(platform, arec, 6, date(2024, 9, 1), None)
    record(platform, arec, 3, date(2024, 8, 2), None)
    with pytest.raises(InvariantViolation, match="already recorded"):
        record(platform, arec, 3, date(2024, 8, 3), None)


def test_an_outcome_of_a_follow_up_cannot_be_in_the_future(
    platform: Platform, arec: Programme
) -> None:
    later = c.RecordOutcome(arec.mentee_ids[0], OutcomeKind.BUSINESS_STARTED, date(2024, 9, 1), "x")
    with pytest.raises(InvalidValue, match="future"):
        record(platform, arec, 3, date(2024, 8, 2), later)


def test_only_the_pins_own_coordinator_records_a_follow_up(
    platform: Platform, arec: Programme, cniea: Programme
) -> None:
    command = fu.RecordFollowUp(arec.mentee_ids[0], arec.cohort_id, Checkpoint.THREE_MONTHS, True)
    with pytest.raises(NotFound):
        fu.record_follow_up(platform.store, command, cniea.ctx, today=lambda: SIX)
    mentor = TenantContext(arec.ctx.tenant_id, Role.MENTOR, str(arec.mentor_id))
    with pytest.raises(Forbidden):
        fu.record_follow_up(platform.store, command, mentor, today=lambda: SIX)
    assert due(platform, cniea, SIX, include_recorded=True)  # cniea's own, never arec's
    assert not {m for m, _, _ in due(platform, cniea, SIX)} & {str(m) for m in arec.mentee_ids}


def test_a_follow_up_takes_either_no_change_or_an_outcome(
    platform: Platform, arec: Programme
) -> None:
    offer = c.RecordOutcome(arec.mentee_ids[0], OutcomeKind.JOB_IN_FIELD, THREE, "Offer")
    for no_change, outcome in ((True, offer), (False, None)):
        command = fu.RecordFollowUp(
            arec.mentee_ids[0], arec.cohort_id, Checkpoint.THREE_MONTHS, no_change, outcome
        )
        with pytest.raises(InvalidValue, match="either"):
            fu.record_follow_up(platform.store, command, arec.ctx, today=lambda: SIX)


def test_a_round_the_mentee_took_no_part_in_is_not_found(
    platform: Platform, arec: Programme, cniea: Programme
) -> None:
    command = fu.RecordFollowUp(arec.mentee_ids[0], cniea.cohort_id, Checkpoint.THREE_MONTHS, True)
    with pytest.raises(NotFound):
        fu.record_follow_up(platform.store, command, arec.ctx, today=lambda: SIX)


def test_an_erased_mentee_has_no_follow_ups_left(platform: Platform, arec: Programme) -> None:
    erased = arec.mentee_ids[0]
    pu.erase_mentee(platform.store, pu.ErasePerson(erased), arec.ctx)

    listed = {m for m, _, _ in due(platform, arec, SIX, include_recorded=True)}
    assert str(erased) not in listed
    assert len(listed) == len(arec.mentee_ids) - 1
