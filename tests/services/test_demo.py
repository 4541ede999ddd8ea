"""The demo data set tells the article's story: the pilot's numbers and the roll-out's."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import pytest

from domain.activity import SharedActivity
from domain.cohort import Cohort
from domain.envelope import EventEnvelope
from domain.group import Group
from domain.people import Mentee, Mentor
from domain.pin import pin_id_for
from domain.values import CohortState, OutcomeKind
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext
from services.demo import DemoSeedError, seed_demo
from services.demo_summary import DemoSummary
from services.settings import Settings
from services.store import MentoringStore, build_store

TODAY = date(2026, 6, 1)
PILOT_PINS = ("arec", "iccc", "cniea")
ALL_PINS = ("arec", "iccc", "cniea", "afca", "chc")

A = TypeVar("A")


def new_store(folder: Path) -> MentoringStore:
    return build_store(Settings(database_url=f"sqlite:///{folder}/events.db"))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[MentoringStore, DemoSummary]:
    store = new_store(tmp_path_factory.mktemp("demo"))
    return store, seed_demo(store, today=TODAY)


@pytest.fixture
def store(seeded: tuple[MentoringStore, DemoSummary]) -> MentoringStore:
    return seeded[0]


def envelopes(store: MentoringStore) -> Iterator[EventEnvelope]:
    for notification in store.recorder.select_notifications(start=1, limit=100_000):
        yield store.envelope(notification)


def aggregate_ids(store: MentoringStore, event_type: str) -> list[UUID]:
    return [UUID(e.aggregate_id) for e in envelopes(store) if e.event_type == event_type]


def get(store: MentoringStore, cls: type[A], ident: UUID) -> A:
    found: object = store.repository.get(ident)
    assert isinstance(found, cls)
    return found


def cohorts(store: MentoringStore, name: str) -> dict[str, Cohort]:
    """The cohorts called ``name``, by PIN slug."""
    found: dict[str, Cohort] = {}
    for cohort_id in aggregate_ids(store, "Cohort.Planned"):
        cohort = get(store, Cohort, cohort_id)
        if cohort.name == name:
            slug = next(s for s in ALL_PINS if pin_id_for(s) == cohort.tenant_id)
            found[slug] = cohort
    return found


def groups_of(store: MentoringStore, cohort: Cohort) -> list[Group]:
    return [get(store, Group, group_id) for group_id in cohort.group_ids]


def mentee(store: MentoringStore, mentee_id: UUID) -> Mentee:
    return get(store, Mentee, mentee_id)


def test_the_pilot_has_17_mentees_in_three_groups_of_five_or_six(store: MentoringStore) -> None:
    pilot = cohorts(store, "Pilot 2024")

    assert sorted(pilot) == sorted(PILOT_PINS)
    groups = [g for cohort in pilot.values() for g in groups_of(store, cohort)]
    assert len(groups) == 3
    assert all(5 <= len(g.mentee_ids) <= 6 for g in groups)
    assert sum(len(g.mentee_ids) for g in groups) == 17
    assert all(cohort.state == CohortState.CLOSED for cohort in pilot.values())


def test_each_pilot_group_held_five_sessions_inside_the_round_with_attendance(
    store: MentoringStore,
) -> None:
    for cohort in cohorts(store, "Pilot 2024").values():
        (group,) = groups_of(store, cohort)
        assert len(group.sessions) == 5
        for session in group.sessions:
            assert session.held
            assert session.scheduled_on in cohort.dates
            assert session.scheduled_on < TODAY
            assert set(session.attendance) == set(group.mentee_ids)
        marks = [present for s in group.sessions for present in s.attendance.values()]
        assert sum(marks) / len(marks) >= 0.75, "mostly present"


def test_the_pilot_moved_8_of_17_mentees_forward_as_the_article_says(
    store: MentoringStore,
) -> None:
    pilot_outcomes = []
    for cohort in cohorts(store, "Pilot 2024").values():
        for mentee_id in cohort.mentee_groups:
            pilot_outcomes += [
                (mentee_id, o)
                for o in mentee(store, mentee_id).outcomes
                if o.cohort_id == cohort.id
            ]

    kinds = Counter(o.kind for _, o in pilot_outcomes)
    assert kinds == {
        OutcomeKind.JOB_IN_FIELD: 6,
        OutcomeKind.BUSINESS_STARTED: 1,
        OutcomeKind.LICENCE_OBTAINED: 1,
        OutcomeKind.LICENSING_EXAM_PASSED: 1,
    }
    assert len({mentee_id for mentee_id, _ in pilot_outcomes}) == 8
    (licensed,) = [m for m, o in pilot_outcomes if o.kind == OutcomeKind.LICENCE_OBTAINED]
    assert mentee(store, licensed).profession == "Engineering"


def test_the_summary_reports_the_pilot_numbers(
    seeded: tuple[MentoringStore, DemoSummary],
) -> None:
    summary = seeded[1]
    rounds = [r for p in summary.pins for r in p.rounds if r.name == "Pilot 2024"]

    assert not summary.already_seeded
    assert sum(r.mentees for r in rounds) == 17
    assert [r.sessions_held for r in rounds] == [5, 5, 5]
    assert sum(r.outcomes["job_in_field"] for r in rounds) == 6
    assert sum(r.outcomes["business_started"] for r in rounds) == 1
    assert sum(r.outcomes["licence_obtained"] for r in rounds) == 1
    assert sum(r.outcomes["licensing_exam_passed"] for r in rounds) == 1
    assert sum(r.mentees_moved_forward for r in rounds) == 8
    json.dumps(summary.to_dict())


def test_the_roll_out_has_five_pins_ten_mentors_two_rounds_and_at_least_40_mentees(
    store: MentoringStore, seeded: tuple[MentoringStore, DemoSummary]
) -> None:
    round_1, round_2 = cohorts(store, "Round 1 2025"), cohorts(store, "Round 2 2025-26")
    mentors = Counter(
        get(store, Mentor, mentor_id).tenant_id
        for mentor_id in aggregate_ids(store, "Mentor.Enrolled")
    )

    assert sorted(round_1) == sorted(round_2) == sorted(ALL_PINS)
    assert mentors == {pin_id_for(slug): 2 for slug in ALL_PINS}
    assert all(cohort.state == CohortState.CLOSED for cohort in round_1.values())
    assert all(cohort.state == CohortState.RUNNING for cohort in round_2.values())
    roll_out = [*round_1.values(), *round_2.values()]
    assert sum(len(cohort.mentee_groups) for cohort in roll_out) >= 40
    groups = [g for cohort in roll_out for g in groups_of(store, cohort)]
    assert all(5 <= len(g.mentee_ids) <= 6 for g in groups)
    assert all(len(g.sessions) == 5 and all(s.held for s in g.sessions) for g in groups)
    summary = seeded[1]
    assert sum(p.mentors for p in summary.pins) == 10
    assert sum(p.outcomes["job_in_field"] for p in summary.pins) > 6, "a few roll-out jobs"


def test_every_group_shares_language_and_profession_with_its_mentor(
    store: MentoringStore,
) -> None:
    group_ids = aggregate_ids(store, "Group.Formed")

    assert len(group_ids) == 13
    for group_id in group_ids:
        group = get(store, Group, group_id)
        mentor = get(store, Mentor, group.mentor_id)
        assert mentor.tenant_id == group.tenant_id
        for mentee_id in group.mentee_ids:
            person = mentee(store, mentee_id)
            assert person.tenant_id == group.tenant_id
            assert person.profession == mentor.profession
            assert set(person.languages) & set(mentor.languages) - {"English"}


def test_one_shared_activity_hosted_by_afca_has_members_of_several_pins(
    store: MentoringStore, seeded: tuple[MentoringStore, DemoSummary]
) -> None:
    (activity_id,) = aggregate_ids(store, "SharedActivity.Hosted")
    activity = get(store, SharedActivity, activity_id)

    assert activity.tenant_id == pin_id_for("afca")
    pins = {r.person_tenant_id for r in activity.registrations.values()}
    assert len(pins) >= 2
    (counts,) = seeded[1].shared_activities
    assert counts.host == "afca"
    assert len(counts.registrations) >= 2


def test_mentors_and_mentees_completed_trainings(
    seeded: tuple[MentoringStore, DemoSummary],
) -> None:
    for pin in seeded[1].pins:
        assert pin.mentor_trainings >= pin.mentors
        assert pin.mentee_trainings == pin.mentees


def test_people_are_synthetic_with_example_org_emails(store: MentoringStore) -> None:
    people: list[Mentor | Mentee] = [
        *(get(store, Mentor, i) for i in aggregate_ids(store, "Mentor.Enrolled")),
        *(get(store, Mentee, i) for i in aggregate_ids(store, "Mentee.Enrolled")),
    ]
    emails = [person.email.value for person in people if person.email is not None]

    assert len(emails) == len(people) == 82
    assert all(email.endswith(".example.org") for email in emails)
    assert len(set(emails)) == len(emails)


def test_seeding_twice_stores_nothing_more(
    store: MentoringStore, seeded: tuple[MentoringStore, DemoSummary]
) -> None:
    stored = store.recorder.max_notification_id()

    again = seed_demo(store, today=TODAY)

    assert store.recorder.max_notification_id() == stored
    assert again.already_seeded
    assert again.pins == seeded[1].pins
    assert again.shared_activities == seeded[1].shared_activities


def test_the_demo_is_the_same_on_every_run(
    tmp_path: Path, seeded: tuple[MentoringStore, DemoSummary]
) -> None:
    other = new_store(tmp_path)

    summary = seed_demo(other, today=TODAY)

    def names(store: MentoringStore) -> list[str]:
        return [mentee(store, i).name.value for i in aggregate_ids(store, "Mentee.Enrolled")]

    assert summary.to_dict() == seeded[1].to_dict()
    assert names(other) == names(seeded[0])


def test_registered_pins_without_data_are_seeded(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    admin = TenantContext(UUID(int=0), Role.ADMIN, "admin")
    uc.register_pin(store, c.RegisterPin("arec", "AREC", ["Romanian"], ["Engineering"]), admin)

    summary = seed_demo(store, today=TODAY)

    assert summary.pin("arec").mentors == 2
    assert summary.pin("arec").name == "AREC"


def test_a_partly_seeded_store_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    admin = TenantContext(UUID(int=0), Role.ADMIN, "admin")
    uc.register_pin(store, c.RegisterPin("cniea", "CNIEA", ["Iraqi"], ["Engineering"]), admin)
    coordinator = TenantContext(pin_id_for("cniea"), Role.COORDINATOR, "coordinator")
    uc.plan_cohort(
        store, c.PlanCohort("Pilot 2024", date(2024, 2, 5), date(2024, 6, 7)), coordinator
    )
    stored = store.recorder.max_notification_id()

    with pytest.raises(DemoSeedError, match="cniea"):
        seed_demo(store, today=TODAY)
    assert store.recorder.max_notification_id() == stored


def test_the_demo_cannot_be_seeded_as_of_a_day_before_its_last_events(tmp_path: Path) -> None:
    store = new_store(tmp_path)

    with pytest.raises(ValueError, match="runs until"):
        seed_demo(store, today=date(2025, 1, 1))
    assert not store.recorder.max_notification_id()
