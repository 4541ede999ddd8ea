"""What the store holds of the demo, counted from its events: per PIN, per round, per
shared activity (``seed_demo``'s answer, and how it tells a seeded store)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from domain.envelope import EventEnvelope
from domain.pin import pin_id_for
from domain.values import OutcomeKind
from services.demo_data import COMPLETE_MARKER, DEMO_ACTOR, NETWORKS
from services.store import MentoringStore


def _no_outcomes() -> dict[str, int]:
    return {kind.value: 0 for kind in OutcomeKind}


@dataclass(frozen=True)
class RoundCounts:
    """One cohort of a PIN: its state, groups, mentees, sessions held and linked outcomes."""

    name: str
    state: str
    groups: int
    mentees: int
    sessions_held: int
    outcomes: dict[str, int]
    mentees_moved_forward: int


@dataclass(frozen=True)
class PinCounts:
    slug: str
    name: str
    mentors: int
    mentees: int
    cohorts: int
    groups: int
    sessions_held: int
    mentor_trainings: int
    mentee_trainings: int
    outcomes: dict[str, int]
    mentees_moved_forward: int
    rounds: tuple[RoundCounts, ...]


@dataclass(frozen=True)
class ActivityCounts:
    title: str
    host: str
    held_on: str
    registrations: dict[str, int]


@dataclass(frozen=True)
class DemoSummary:
    """What the store holds for the demo PINs, read back from the stored events."""

    already_seeded: bool
    pins: tuple[PinCounts, ...]
    shared_activities: tuple[ActivityCounts, ...]

    def pin(self, slug: str) -> PinCounts:
        return next(p for p in self.pins if p.slug == slug)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _CohortTally:
    slug: str
    name: str
    state: str = "planning"
    groups: int = 0
    mentees: int = 0
    sessions_held: int = 0


@dataclass
class _ActivityTally:
    title: str
    host: str
    held_on: str
    people: dict[str, str] = field(default_factory=dict)  # person id -> their PIN's slug


@dataclass
class Tally:
    """Counts of one pass over the notification log, by PIN, cohort and event type."""

    complete: bool = False
    names: dict[str, str] = field(default_factory=dict)
    by_type: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    cohorts: dict[str, _CohortTally] = field(default_factory=dict)
    group_cohort: dict[str, str] = field(default_factory=dict)
    mentor_ids: set[str] = field(default_factory=set)
    # Outcomes and the mentees who moved forward, by PIN slug and by cohort id.
    outcomes: defaultdict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(_no_outcomes)
    )
    movers: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    activities: dict[str, _ActivityTally] = field(default_factory=dict)

    def beyond_registration(self) -> dict[str, int]:
        """Events of each demo PIN other than its registration."""
        return {
            slug: n - counts["Pin.Registered"]
            for slug, counts in self.by_type.items()
            if (n := counts.total()) > counts["Pin.Registered"]
        }


def read_store(store: MentoringStore) -> Tally:
    slug_of = {str(pin_id_for(n.slug)): n.slug for n in NETWORKS}
    tally = Tally()
    for env in _envelopes(store):
        if env.correlation_id == COMPLETE_MARKER and env.actor == DEMO_ACTOR:
            tally.complete = True
        slug = slug_of.get(env.tenant_id)
        if slug is None:
            continue
        kind, payload, aggregate = env.event_type, env.payload, env.aggregate_id
        tally.by_type[slug][kind] += 1
        if kind == "Pin.Registered":
            tally.names[slug] = payload["name"]
        elif kind == "Cohort.Planned":
            tally.cohorts[aggregate] = _CohortTally(slug, payload["name"])
        elif kind in ("Cohort.Started", "Cohort.Closed"):
            tally.cohorts[aggregate].state = "running" if kind == "Cohort.Started" else "closed"
        elif kind == "Cohort.GroupRegistered":
            tally.cohorts[aggregate].groups += 1
        elif kind in ("Cohort.MenteePlaced", "Cohort.MenteeReleased"):
            tally.cohorts[aggregate].mentees += 1 if kind == "Cohort.MenteePlaced" else -1
        elif kind == "Mentor.Enrolled":
            tally.mentor_ids.add(aggregate)
        elif kind == "Group.Formed":
            tally.group_cohort[aggregate] = payload["cohort_id"]
        elif kind == "Group.SessionHeld":
            tally.cohorts[tally.group_cohort[aggregate]].sessions_held += 1
        elif kind == "Mentee.OutcomeRecorded":
            for key in (slug, payload["cohort_id"] or "no round"):
                tally.outcomes[key][payload["kind"]] += 1
                tally.movers[key].add(aggregate)
        elif kind == "SharedActivity.Hosted":
            activity = _ActivityTally(payload["title"], slug, payload["held_on"])
            tally.activities[aggregate] = activity
        elif kind == "SharedActivity.ParticipantRegistered":
            person_pin = slug_of.get(payload["person_tenant_id"], "other")
            tally.activities[aggregate].people[payload["person_id"]] = person_pin
        elif kind == "SharedActivity.RegistrationCancelled":
            tally.activities[aggregate].people.pop(payload["person_id"], None)
        # Trainings share one event type (Person.TrainingCompleted) for mentors and mentees.
        if kind == "Person.TrainingCompleted" and aggregate in tally.mentor_ids:
            tally.by_type[slug]["mentor trainings"] += 1
    return tally


def _envelopes(store: MentoringStore) -> Iterator[EventEnvelope]:
    start = 1
    while batch := store.recorder.select_notifications(start=start, limit=1000):
        yield from (store.envelope(notification) for notification in batch)
        start = batch[-1].id + 1


def summary(tally: Tally, already_seeded: bool) -> DemoSummary:
    pins = []
    for network in NETWORKS:
        slug, counts = network.slug, tally.by_type[network.slug]
        rounds = tuple(
            RoundCounts(
                name=cohort.name,
                state=cohort.state,
                groups=cohort.groups,
                mentees=cohort.mentees,
                sessions_held=cohort.sessions_held,
                outcomes=dict(tally.outcomes[cohort_id]),
                mentees_moved_forward=len(tally.movers[cohort_id]),
            )
            for cohort_id, cohort in tally.cohorts.items()
            if cohort.slug == slug
        )
        pins.append(
            PinCounts(
                slug=slug,
                name=tally.names.get(slug, network.name),
                mentors=counts["Mentor.Enrolled"],
                mentees=counts["Mentee.Enrolled"],
                cohorts=counts["Cohort.Planned"],
                groups=counts["Group.Formed"],
                sessions_held=counts["Group.SessionHeld"],
                mentor_trainings=counts["mentor trainings"],
                mentee_trainings=counts["Person.TrainingCompleted"] - counts["mentor trainings"],
                outcomes=dict(tally.outcomes[slug]),
                mentees_moved_forward=len(tally.movers[slug]),
                rounds=rounds,
            )
        )
    activities = tuple(
        ActivityCounts(
            title=activity.title,
            host=activity.host,
            held_on=activity.held_on,
            registrations=dict(sorted(Counter(activity.people.values()).items())),
        )
        for activity in tally.activities.values()
    )
    return DemoSummary(already_seeded, tuple(pins), activities)
