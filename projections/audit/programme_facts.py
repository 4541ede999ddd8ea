"""The facts a funder report counts, gathered from the stored events in one pass.

Figures per PIN and section: mentees served, mentors, groups, sessions planned and held,
attendance (present and absent), trainings completed, outcomes by kind, mentees who moved
forward (recorded any outcome). An outcome counts for the cohort it names (``cohort_id``); the
programme counts every outcome. A training counts for the earliest cohort of that person (as
mentee or mentor) ending on or after it, else their last one; the programme counts every
training of the PIN. ``microdata`` turns the facts into counts per microcell, the unit the
report's protection works in (``projections.audit.report_protection``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.envelope import EventEnvelope
from domain.values import OutcomeKind
from projections.disclosure_control import Microcell

OUTCOME_METRICS = tuple(f"outcome_{kind.value}" for kind in OutcomeKind)
COUNTS = (
    "mentees_served",
    "mentors",
    "groups",
    "sessions_planned",
    "sessions_held",
    "attendance_present",
    "attendance_absent",
    "mentee_trainings",
    "mentor_trainings",
    *OUTCOME_METRICS,
    "mentees_moved_forward",
)
OUTSIDE_COHORTS = ""
"""The place of what a PIN's programme figure counts outside any of its cohorts."""
COUNTED_OUTSIDE_COHORTS = frozenset(
    {"mentee_trainings", "mentor_trainings", *OUTCOME_METRICS, "mentees_moved_forward"}
)
"""Figures that may count something outside every cohort (a training before any group, an
outcome after the follow-up year); everything else belongs to a group, and every group to a
cohort of its PIN, as anyone who knows the programme knows."""


@dataclass
class _Cohort:
    tenant_id: str
    name: str
    starts_on: str
    ends_on: str
    position: int


@dataclass
class _Group:
    tenant_id: str
    cohort_id: str
    mentor_id: str
    planned_sessions: int
    members: set[str] = field(default_factory=set)
    held: set[int] = field(default_factory=set)
    attendance: dict[tuple[int, str], bool] = field(default_factory=dict)


@dataclass
class ProgrammeFacts:
    """What the events say, gathered in one pass in store order."""

    pins: dict[str, str] = field(default_factory=dict)  # tenant id -> slug, in order
    cohorts: dict[str, _Cohort] = field(default_factory=dict)
    groups: dict[str, _Group] = field(default_factory=dict)
    mentors: set[str] = field(default_factory=set)
    trainings: list[tuple[str, str, str]] = field(default_factory=list)  # tenant, person, day
    outcomes: list[tuple[str, str, str, str | None]] = field(default_factory=list)

    def add(self, e: EventEnvelope) -> None:
        p, kind = e.payload, e.event_type
        if kind == "Pin.Registered":
            self.pins.setdefault(e.tenant_id, str(p["slug"]))
        elif kind == "Cohort.Planned":
            self.cohorts[e.aggregate_id] = _Cohort(
                e.tenant_id, str(p["name"]), str(p["starts_on"]), str(p["ends_on"]), e.position
            )
        elif kind == "Group.Formed":
            self.groups[e.aggregate_id] = _Group(
                e.tenant_id, str(p["cohort_id"]), str(p["mentor_id"]), int(p["planned_sessions"])
            )
        elif kind == "Group.MenteeAdded":
            self.groups[e.aggregate_id].members.add(str(p["mentee_id"]))
        elif kind == "Group.MenteeRemoved":
            self.groups[e.aggregate_id].members.discard(str(p["mentee_id"]))
        elif kind == "Group.SessionHeld":
            self.groups[e.aggregate_id].held.add(int(p["number"]))
        elif kind == "Group.AttendanceRecorded":
            key = (int(p["number"]), str(p["mentee_id"]))
            self.groups[e.aggregate_id].attendance[key] = bool(p["present"])
        elif kind == "Mentor.Enrolled":
            self.mentors.add(e.aggregate_id)
        elif kind == "Person.TrainingCompleted":
            self.trainings.append((e.tenant_id, e.aggregate_id, str(p["completed_on"])))
        elif kind == "Mentee.OutcomeRecorded":
            cohort = p.get("cohort_id")
            self.outcomes.append(
                (e.tenant_id, e.aggregate_id, str(p["kind"]), str(cohort) if cohort else None)
            )

    def place(self, tenant: str, cohort_id: str | None) -> str:
        """Where a fact of ``tenant`` counts: one of its cohorts, else outside them."""
        cohort = self.cohorts.get(cohort_id or "")
        return cohort_id if cohort_id and cohort and cohort.tenant_id == tenant else OUTSIDE_COHORTS


def gather(envelopes: Iterable[EventEnvelope]) -> ProgrammeFacts:
    """The facts of ``envelopes``, read in store order."""
    facts = ProgrammeFacts()
    for envelope in envelopes:
        facts.add(envelope)
    return facts


def _training_cohorts(facts: ProgrammeFacts) -> list[str | None]:
    """The cohort each training counts for (in the order of ``facts.trainings``)."""
    cohorts_of: dict[str, set[str]] = defaultdict(set)
    for group in facts.groups.values():
        cohorts_of[group.mentor_id].add(group.cohort_id)
        for mentee in group.members:
            cohorts_of[mentee].add(group.cohort_id)
    found: list[str | None] = []
    for _, person, day in facts.trainings:
        ordered = sorted(
            (c for c in cohorts_of.get(person, ()) if c in facts.cohorts),
            key=lambda c: (facts.cohorts[c].ends_on, facts.cohorts[c].position),
        )
        later = [c for c in ordered if facts.cohorts[c].ends_on >= day]
        found.append(later[0] if later else (ordered[-1] if ordered else None))
    return found


def microdata(facts: ProgrammeFacts) -> dict[str, dict[Microcell, int]]:
    """Every count of the report per metric and microcell ``(tenant, place, "")``: the place
    is a cohort id or ``OUTSIDE_COHORTS``; for distinct people, the places a person counts in,
    joined by ``+``. Every place a metric can count in is there for every PIN, zero or not
    (an overlap only where someone is in it), so a figure covers its zeros too."""
    counts: dict[str, dict[Microcell, int]] = {metric: {} for metric in COUNTS}
    for tenant in facts.pins:
        cohorts = [c for c, cohort in facts.cohorts.items() if cohort.tenant_id == tenant]
        for metric in COUNTS:
            outside = [OUTSIDE_COHORTS] if metric in COUNTED_OUTSIDE_COHORTS else []
            counts[metric].update(((tenant, place, ""), 0) for place in [*outside, *cohorts])
    people: dict[str, dict[tuple[str, str], set[str]]] = defaultdict(lambda: defaultdict(set))

    def add(metric: str, tenant: str, place: str, by: int = 1) -> None:
        if tenant in facts.pins:
            counts[metric][tenant, place, ""] = counts[metric].get((tenant, place, ""), 0) + by

    for group in facts.groups.values():
        tenant, place = group.tenant_id, facts.place(group.tenant_id, group.cohort_id)
        present = sum(group.attendance.values())
        add("groups", tenant, place)
        add("sessions_planned", tenant, place, group.planned_sessions)
        add("sessions_held", tenant, place, len(group.held))
        add("attendance_present", tenant, place, present)
        add("attendance_absent", tenant, place, len(group.attendance) - present)
        people["mentors"][tenant, group.mentor_id].add(place)
        for mentee in group.members:
            people["mentees_served"][tenant, mentee].add(place)
    for (tenant, person, _), cohort in zip(facts.trainings, _training_cohorts(facts), strict=True):
        role = "mentor_trainings" if person in facts.mentors else "mentee_trainings"
        add(role, tenant, facts.place(tenant, cohort))
    for tenant, mentee, kind, cohort in facts.outcomes:
        add(f"outcome_{kind}", tenant, facts.place(tenant, cohort))
        people["mentees_moved_forward"][tenant, mentee].add(facts.place(tenant, cohort))
    for metric, places_of in people.items():
        for (tenant, _), places in places_of.items():
            add(metric, tenant, "+".join(sorted(places)))
    return counts
