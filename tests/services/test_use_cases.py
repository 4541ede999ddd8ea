"""Use cases against the embedded SQLite event store."""

from __future__ import annotations

import threading
from datetime import date
from uuid import uuid4

import pytest

from domain.errors import InvariantViolation
from gateway.bootstrap import Platform
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext
from services.errors import Conflict, Forbidden, NotFound
from tests.services.conftest import Programme


def test_another_pins_aggregate_is_not_found_like_an_unknown_id(
    platform: Platform, arec: Programme, cniea: Programme
) -> None:
    store = platform.store
    with pytest.raises(NotFound) as foreign:
        uc.start_cohort(store, c.StartCohort(cniea.cohort_id), arec.ctx)
    unknown = uuid4()
    with pytest.raises(NotFound) as missing:
        uc.start_cohort(store, c.StartCohort(unknown), arec.ctx)

    assert str(foreign.value) == f"No cohort with id {cniea.cohort_id}."
    assert str(missing.value) == f"No cohort with id {unknown}."
    assert store.repository.get(cniea.cohort_id).state == "planning"


def test_a_coordinator_cannot_use_another_pins_mentor_for_a_group(
    platform: Platform, arec: Programme, cniea: Programme
) -> None:
    with pytest.raises(NotFound):
        uc.form_group_in_cohort(
            platform.store, c.FormGroup(arec.cohort_id, cniea.mentor_id, "Mixed"), arec.ctx
        )


def test_only_a_coordinator_enrols_people(platform: Platform, arec: Programme) -> None:
    funder = TenantContext(tenant_id=arec.ctx.tenant_id, role=Role.FUNDER, actor="allies")
    command = c.EnrolMentee(
        "Someone", "Engineering", "Romania", ["Romanian"], "basic", date(2024, 1, 2)
    )  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        uc.enrol_mentee(platform.store, command, funder)


def test_a_mentor_records_sessions_of_their_own_group_only(
    platform: Platform, arec: Programme
) -> None:
    store = platform.store
    own_mentor = TenantContext(arec.ctx.tenant_id, Role.MENTOR, actor=str(arec.mentor_id))
    other_mentor = TenantContext(arec.ctx.tenant_id, Role.MENTOR, actor=str(uuid4()))
    uc.start_cohort(store, c.StartCohort(arec.cohort_id), arec.ctx)
    command = c.ScheduleSession(arec.group_id, date(2024, 1, 15), "Canadian workplace culture")

    uc.schedule_session(store, command, own_mentor)
    with pytest.raises(Forbidden):
        uc.schedule_session(store, command, other_mentor)
    assert len(store.repository.get(arec.group_id).sessions) == 1


def test_events_carry_the_actor_and_tenant_of_the_command(
    platform: Platform, arec: Programme
) -> None:
    changed = uc.start_cohort(platform.store, c.StartCohort(arec.cohort_id), arec.ctx)
    [notification] = platform.store.recorder.select_notifications(changed.position, 1)
    envelope = platform.store.envelope(notification)

    assert envelope.event_type == "Cohort.Started"
    assert envelope.actor == "arec-coordinator"
    assert envelope.tenant_id == str(arec.ctx.tenant_id)
    assert envelope.position == changed.position


def test_concurrent_attendance_on_one_group_loses_nothing(
    platform: Platform, arec: Programme
) -> None:
    """Two mentors' devices record attendance at once: conflicts are retried on fresh state."""
    store = platform.store
    uc.start_cohort(store, c.StartCohort(arec.cohort_id), arec.ctx)
    for day in range(1, 6):
        uc.schedule_session(
            store, c.ScheduleSession(arec.group_id, date(2024, 2, day), "Session"), arec.ctx
        )
        uc.record_session_held(store, c.RecordSessionHeld(arec.group_id, day), arec.ctx)
    start = threading.Barrier(len(arec.mentee_ids))
    failures: list[BaseException] = []
    succeeded: list[tuple[int, int]] = []

    def record(mentee_index: int) -> None:
        start.wait()
        for number in range(1, 6):
            command = c.RecordAttendance(
                arec.group_id, number, present=[arec.mentee_ids[mentee_index]]
            )
            try:
                uc.record_attendance(store, command, arec.ctx)
                succeeded.append((mentee_index, number))
            except BaseException as error:  # collected and asserted below
                failures.append(error)

    threads = [threading.Thread(target=record, args=(i,)) for i in range(len(arec.mentee_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    group = store.repository.get(arec.group_id)
    recorded = {
        (arec.mentee_ids.index(mentee_id), session.number)
        for session in group.sessions
        for mentee_id in session.attendance
    }
    # Each command either landed exactly once or surfaced as a retryable conflict.
    assert [f for f in failures if not isinstance(f, Conflict)] == []
    assert recorded == set(succeeded)
    assert len(succeeded) + len(failures) == 5 * len(arec.mentee_ids)


def test_a_closed_cohort_refuses_new_sessions(platform: Platform, arec: Programme) -> None:
    store = platform.store
    uc.start_cohort(store, c.StartCohort(arec.cohort_id), arec.ctx)
    uc.close_cohort(store, c.CloseCohort(arec.cohort_id), arec.ctx)
    with pytest.raises(InvariantViolation, match="closed"):
        uc.schedule_session(
            store, c.ScheduleSession(arec.group_id, date(2024, 2, 1), "Late"), arec.ctx
        )
