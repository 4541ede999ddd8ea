"""Retention: find the people whose last programme activity is older than a period; erase them.

A person's last programme activity is the latest of: the day anything was recorded about
them (enrolment, training, outcome, a group placement, attendance, a session of a group they
lead, a shared-activity registration), the days those facts name (an outcome's date, the end
of a round they took part in or led, the day of an activity they registered for). Recording
a consent is not programme activity. The store's events are read in their published (sealed)
form: finding the candidates opens no personal data.

Erased people are never candidates again, so running the retention twice erases nothing
the second time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.envelope import EventEnvelope
from domain.errors import InvalidValue
from services.context import Role, TenantContext
from services.privacy.use_cases import ErasePerson, erase_mentee, erase_mentor
from services.store import MentoringStore

RETENTION_ACTOR = "retention-policy"
_PERIOD = re.compile(r"^\s*(\d+)\s*([dmy])\s*$")
NOT_ACTIVITY = ("Person.ConsentGiven", "Person.ConsentWithdrawn", "Person.Erased")


def parse_period(text: str) -> tuple[int, str]:
    """``24m``, ``2y`` or ``730d`` as (count, unit)."""
    found = _PERIOD.match(text.lower())
    if not found or int(found.group(1)) <= 0:
        raise InvalidValue(
            f"The period {text!r} must be a number and a unit: 730d, 24m or 2y (days, months, "
            "years)."
        )
    return int(found.group(1)), found.group(2)


def cutoff(today: date, period: str) -> date:
    """The day ``period`` before ``today`` (the same day of the month, or its last day)."""
    count, unit = parse_period(period)
    if unit == "d":
        return date.fromordinal(today.toordinal() - count)
    months = count * (12 if unit == "y" else 1)
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    for day in (today.day, 30, 29, 28):
        try:
            return date(year, month + 1, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


@dataclass
class Activity:
    """A person and the day of their last programme activity."""

    person_id: UUID
    tenant_id: UUID
    kind: str  # mentee or mentor
    last: date
    erased: bool = False

    def touch(self, day: date | str | None) -> None:
        if day is None:
            return
        when = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
        self.last = max(self.last, when)


@dataclass
class ProgrammeActivity:
    """The last activity of every person, gathered in one pass over the store in order."""

    people: dict[str, Activity] = field(default_factory=dict)
    round_ends: dict[str, str] = field(default_factory=dict)  # cohort id -> last day
    group_mentor: dict[str, str] = field(default_factory=dict)  # group id -> mentor id
    activity_days: dict[str, str] = field(default_factory=dict)  # shared activity -> its day

    def _touch(self, person_id: object, *days: date | str | None) -> None:
        person = self.people.get(str(person_id))
        if person is not None:
            for day in days:
                person.touch(day)

    def add(self, e: EventEnvelope) -> None:
        p, kind, recorded = e.payload, e.event_type, e.occurred_at[:10]
        if kind in ("Mentee.Enrolled", "Mentor.Enrolled"):
            self.people[e.aggregate_id] = Activity(
                UUID(e.aggregate_id),
                UUID(e.tenant_id),
                kind.partition(".")[0].lower(),
                date.fromisoformat(recorded),
            )
            self._touch(e.aggregate_id, p.get("enrolled_on"))
            return
        if kind == "Person.Erased" and e.aggregate_id in self.people:
            self.people[e.aggregate_id].erased = True
        if kind in NOT_ACTIVITY:
            return
        self._touch(e.aggregate_id, recorded)
        if kind == "Mentee.JoinedRound":
            self._touch(e.aggregate_id, p.get("ends_on"))
        elif kind == "Mentee.OutcomeRecorded":
            self._touch(e.aggregate_id, p.get("occurred_on"))
        elif kind == "Cohort.Planned":
            self.round_ends[e.aggregate_id] = str(p["ends_on"])
        elif kind == "Group.Formed":
            self.group_mentor[e.aggregate_id] = str(p["mentor_id"])
            self._touch(p["mentor_id"], self.round_ends.get(str(p["cohort_id"])))
        elif kind == "SharedActivity.Hosted":
            self.activity_days[e.aggregate_id] = str(p["held_on"])
        elif kind == "SharedActivity.ParticipantRegistered":
            self._touch(p["person_id"], recorded, self.activity_days.get(e.aggregate_id))
        if kind.startswith("Group."):
            self._touch(self.group_mentor.get(e.aggregate_id), recorded)
            self._touch(p.get("mentee_id"), recorded)

    def inactive_since(self, day: date, tenant_id: UUID | None = None) -> list[Activity]:
        """The people not erased whose last activity was before ``day``, oldest first."""
        return sorted(
            (
                a
                for a in self.people.values()
                if not a.erased and a.last < day and tenant_id in (None, a.tenant_id)
            ),
            key=lambda a: (a.last, str(a.person_id)),
        )


def _envelopes(store: MentoringStore, progress: Callable[[int], None]) -> Iterator[EventEnvelope]:
    position = 0
    while batch := store.recorder.select_notifications(
        start=position, limit=1000, inclusive_of_start=False
    ):
        yield from (store.envelope(n) for n in batch)
        position = batch[-1].id
        progress(position)


def programme_activity(
    store: MentoringStore, progress: Callable[[int], None] = lambda _: None
) -> ProgrammeActivity:
    """Read the whole store (sealed) and gather everyone's last programme activity."""
    activity = ProgrammeActivity()
    for envelope in _envelopes(store, progress):
        activity.add(envelope)
    return activity


def erase_all(
    store: MentoringStore,
    people: Iterable[Activity],
    progress: Callable[[Activity], None] = lambda _: None,
) -> int:
    """Erase ``people`` as their PIN's coordinator would; return how many were erased."""
    erased = 0
    for person in people:
        caller = TenantContext(person.tenant_id, Role.COORDINATOR, RETENTION_ACTOR)
        erase = erase_mentee if person.kind == "mentee" else erase_mentor
        erase(store, ErasePerson(person.person_id), caller)
        erased += 1
        progress(person)
    return erased
