"""Random programmes of published events, for comparing a rebuild with the live projection.

Every event type the tenant views handle comes up, with the cases the handlers treat apart:
attendance recorded again (present changed or not), a mentee removed who was not in the
group, a session held that was never scheduled, outcomes with and without a cohort and more
than one per cohort, trainings of mentees, mentors and strangers, erasures before and after
consents, registrations cancelled and made again, rounds joined with and without their
dates and follow-ups recorded (again, and of rounds never joined), events no handler knows.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.envelope import EventEnvelope
from domain.privacy import ERASED, Purpose
from domain.values import OutcomeKind

PROFESSIONS = ["Engineering", "Engineering / Civil", "Medicine", "Law", ""]


def opener(sealed: Any) -> str:
    """Opens a test ciphertext: the text after ``plain:``; ``gone`` is an erased person's."""
    text = str(sealed["ciphertext"])
    return ERASED if text == "gone" else text.removeprefix("plain:")


@dataclass
class Programme:
    rng: random.Random
    events: list[EventEnvelope] = field(default_factory=list)
    position: int = 0
    versions: dict[str, int] = field(default_factory=dict)
    tenants: list[str] = field(default_factory=list)
    cohorts: dict[str, str] = field(default_factory=dict)  # cohort -> tenant
    mentors: dict[str, str] = field(default_factory=dict)  # person -> tenant
    mentees: dict[str, str] = field(default_factory=dict)
    groups: dict[str, tuple[str, str]] = field(default_factory=dict)  # group -> (tenant, cohort)
    members: dict[str, set[str]] = field(default_factory=dict)
    scheduled: set[tuple[str, int]] = field(default_factory=set)
    activities: dict[str, str] = field(default_factory=dict)
    registered: set[tuple[str, str]] = field(default_factory=set)
    keys: dict[str, str] = field(default_factory=dict)
    proposals: dict[str, str] = field(default_factory=dict)
    rounds: set[tuple[str, str]] = field(default_factory=set)  # (mentee, cohort) joined

    def id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def sealed(self, text: str) -> dict[str, str]:
        ciphertext = "gone" if self.rng.random() < 0.1 else f"plain:{text}"
        return {"subject_id": self.id(), "ciphertext": ciphertext}

    def emit(self, tenant: str, aggregate: str, event_type: str, **payload: Any) -> None:
        self.position += self.rng.choice([1, 1, 1, 2, 7])  # positions have gaps
        version = self.versions.get(aggregate, 0) + 1
        self.versions[aggregate] = version
        at = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=self.position)
        self.events.append(
            EventEnvelope(
                position=self.position,
                tenant_id=tenant,
                aggregate_id=aggregate,
                aggregate_version=version,
                event_type=event_type,
                schema_version=1,
                occurred_at=at.isoformat(),
                actor="tester",
                correlation_id="",
                payload=payload,
            )
        )

    def pick(self, items: Any) -> Any:
        return self.rng.choice(sorted(items))


def _pin(p: Programme) -> None:
    tenant = p.id()
    p.tenants.append(tenant)
    names = dict(communities=["Romanian"], professions=["Engineering", "Medicine"])
    p.emit(tenant, tenant, "Pin.Registered", slug=f"pin{len(p.tenants)}", name="PIN", **names)


def _step(p: Programme) -> None:  # one branch per kind of event
    r = p.rng
    tenant = r.choice(p.tenants)
    kind = r.randrange(27)
    if kind == 0:
        cohort = p.id()
        p.cohorts[cohort] = tenant
        p.emit(
            tenant,
            cohort,
            "Cohort.Planned",
            name=f"Round {r.randrange(3)}",
            starts_on="2025-01-06",
            ends_on="2025-04-30",
            planned_sessions=6,
            min_group_size=3,
            max_group_size=8,
        )
    elif kind == 1 and p.cohorts:
        cohort = p.pick(p.cohorts)
        p.emit(p.cohorts[cohort], cohort, r.choice(["Cohort.Started", "Cohort.Closed"]))
    elif kind == 2:
        person = p.id()
        p.mentors[person] = tenant
        p.emit(
            tenant,
            person,
            "Mentor.Enrolled",
            name=p.sealed("Mentor"),
            email=r.choice([None, p.sealed("m@example.org")]),
            profession=r.choice(PROFESSIONS),
            languages=["English"],
            cultural_background="Romanian",
            licence_status="licensed",
            capacity=r.randrange(1, 4),
        )
    elif kind in (3, 4):
        person = p.id()
        p.mentees[person] = tenant
        p.emit(
            tenant,
            person,
            "Mentee.Enrolled",
            name=p.sealed("Mentee"),
            email=r.choice([None, p.sealed("e@example.org")]),
            profession=r.choice(PROFESSIONS),
            origin="Romania",
            languages=["Romanian", "English"],
            english_level="intermediate",
            goals=r.choice([None, p.sealed("Work as an engineer")]),
            enrolled_on="2025-01-02",
        )
    elif kind == 5 and p.cohorts and p.mentors:
        cohort = p.pick(p.cohorts)
        group = p.id()
        p.groups[group] = (p.cohorts[cohort], cohort)
        p.members[group] = set()
        p.emit(
            p.cohorts[cohort],
            group,
            "Group.Formed",
            cohort_id=cohort,
            name="Group",
            mentor_id=p.pick(p.mentors),
            min_size=3,
            max_size=8,
            planned_sessions=6,
        )
    elif kind in (6, 7) and p.groups and p.mentees:
        group = p.pick(p.groups)
        mentee = p.pick(p.mentees)
        if mentee not in p.members[group]:
            p.members[group].add(mentee)
            p.emit(p.groups[group][0], group, "Group.MenteeAdded", mentee_id=mentee)
    elif kind == 8 and p.groups and p.mentees:
        group = p.pick(p.groups)
        # now and then someone who is not a member: the count goes down all the same
        members = p.members[group] if p.members[group] and r.random() < 0.8 else set(p.mentees)
        mentee = p.pick(members)
        p.members[group].discard(mentee)
        p.emit(p.groups[group][0], group, "Group.MenteeRemoved", mentee_id=mentee)
    elif kind == 9 and p.groups:
        group = p.pick(p.groups)
        number = r.randrange(1, 5)
        if (group, number) not in p.scheduled:
            p.scheduled.add((group, number))
            p.emit(
                p.groups[group][0],
                group,
                "Group.SessionScheduled",
                number=number,
                scheduled_on="2025-02-01",
                agenda="Agenda",
            )
    elif kind == 10 and p.groups:
        group = p.pick(p.groups)
        p.emit(p.groups[group][0], group, "Group.SessionHeld", number=r.randrange(1, 5))
    elif kind in (11, 12, 13) and p.groups and p.mentees:
        group = p.pick(p.groups)
        mentee = p.pick(p.members[group] or p.mentees)
        p.emit(
            p.groups[group][0],
            group,
            "Group.AttendanceRecorded",
            number=r.randrange(1, 4),
            mentee_id=mentee,
            present=r.random() < 0.7,
        )
    elif kind == 14:
        people = [*p.mentees.items(), *p.mentors.items(), (p.id(), tenant)]
        person, owner = r.choice(sorted(people))
        p.emit(
            owner,
            person,
            "Person.TrainingCompleted",
            name="Orientation",
            completed_on="2025-03-01",
        )
    elif kind in (15, 16) and p.mentees:
        mentee = p.pick(p.mentees)
        cohort = r.choice([None, *sorted(p.cohorts)[:3]])
        p.emit(
            p.mentees[mentee],
            mentee,
            "Mentee.OutcomeRecorded",
            outcome_id=p.id(),
            kind=r.choice(list(OutcomeKind)).value,
            occurred_on="2025-06-01",
            evidence=p.sealed("Offer letter"),
            cohort_id=cohort,
        )
    elif kind == 17 and p.mentees and p.cohorts:
        mentee, cohort = p.pick(p.mentees), p.pick(p.cohorts)
        p.rounds.add((mentee, cohort))
        # the round's dates as the domain records them, or (older events) only the cohort
        dates = r.choice([{}, {"starts_on": "2025-01-06", "ends_on": "2025-05-31"}])
        p.emit(p.mentees[mentee], mentee, "Mentee.JoinedRound", cohort_id=cohort, **dates)
    elif kind == 26 and p.mentees and p.cohorts:
        # mostly a round the mentee joined; now and then one they did not (nothing to mark)
        known = p.rounds and r.random() < 0.8
        mentee, cohort = p.pick(p.rounds) if known else (p.pick(p.mentees), p.pick(p.cohorts))
        p.emit(
            p.mentees[mentee],
            mentee,
            "Mentee.FollowUpRecorded",
            cohort_id=cohort,
            months=r.choice([3, 6, 12]),
            recorded_on=r.choice(["2025-09-01", "2026-06-01"]),
            outcome_id=r.choice([None, p.id()]),
        )
    elif kind == 18 and (p.mentees or p.mentors):
        person = p.pick([*p.mentees, *p.mentors])
        owner = p.mentees.get(person) or p.mentors[person]
        given = r.random() < 0.5
        event = "Person.ConsentGiven" if given else "Person.ConsentWithdrawn"
        p.emit(owner, person, event, purpose=r.choice(list(Purpose)).value)
    elif kind == 19 and (p.mentees or p.mentors) and r.random() < 0.5:
        person = p.pick([*p.mentees, *p.mentors])
        p.emit(p.mentees.get(person) or p.mentors[person], person, "Person.Erased")
    elif kind == 20:
        activity = p.id()
        p.activities[activity] = tenant
        p.emit(
            tenant,
            activity,
            "SharedActivity.Hosted",
            title="Networking",
            held_on="2025-05-01",
            description="Evening",
            capacity=20,
        )
    elif kind == 21 and p.activities and (p.mentees or p.mentors):
        activity = p.pick(p.activities)
        person = p.pick([*p.mentees, *p.mentors])
        if (activity, person) in p.registered:
            p.registered.discard((activity, person))
            p.emit(
                p.activities[activity],
                activity,
                "SharedActivity.RegistrationCancelled",
                person_id=person,
            )
        else:
            p.registered.add((activity, person))
            p.emit(
                p.activities[activity],
                activity,
                "SharedActivity.ParticipantRegistered",
                person_id=person,
                person_tenant_id=p.mentees.get(person) or p.mentors[person],
                kind="mentee" if person in p.mentees else "mentor",
            )
    elif kind == 22:
        key = p.id()
        p.keys[key] = tenant
        p.emit(
            tenant,
            key,
            "ApiKey.Issued",
            name="ci",
            role="coordinator",
            secret_hash="hash",
            expires_at=r.choice([None, "2026-01-01T00:00:00+00:00"]),
        )
    elif kind == 23 and p.keys:
        key = p.pick(p.keys)
        p.emit(p.keys[key], key, "ApiKey.Revoked")
    elif kind == 24 and p.cohorts:
        cohort = p.pick(p.cohorts)
        proposal = p.id()
        p.proposals[proposal] = p.cohorts[cohort]
        problem = {
            "weights": {"language": 1},
            "min_size": 3,
            "max_size": 8,
            "mentees": sorted(p.mentees)[:2],
            "mentors": sorted(p.mentors)[:1],
            "pinned": [],
            "apart": [],
        }
        p.emit(
            p.cohorts[cohort],
            proposal,
            "GroupProposal.Proposed",
            cohort_id=cohort,
            problem=problem,
            result={"groups": [], "left_out": []},
            report={"score": r.randrange(10)},
        )
    elif kind == 25 and p.proposals:
        proposal = p.pick(p.proposals)
        tenant = p.proposals[proposal]
        choice = r.randrange(4)
        if choice == 0:
            p.emit(tenant, proposal, "GroupProposal.Edited", result={"groups": [r.randrange(9)]})
        elif choice == 1:
            p.emit(tenant, proposal, "GroupProposal.Accepted", group_ids=[p.id()])
        elif choice == 2:
            p.emit(tenant, proposal, "GroupProposal.Rejected", reason="Too small")
        else:
            p.emit(tenant, tenant, "Pin.ProfileUpdated", name="Renamed", **_lists())
    elif r.random() < 0.2:
        p.emit(tenant, p.id(), "Unknown.Happened", detail=1)  # no handler knows it


def _lists() -> dict[str, list[str]]:
    return {"communities": ["Romanian", "Syrian"], "professions": ["Law"]}


def programme(seed: int, size: int) -> list[EventEnvelope]:
    """About ``size`` events of two or three PINs, in store order."""
    p = Programme(random.Random(seed))
    for _ in range(p.rng.randrange(2, 4)):
        _pin(p)
    while len(p.events) < size:
        _step(p)
    return p.events
