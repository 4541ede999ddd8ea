"""The demo data set: the pilot and the roll-out of the group-mentoring article.

``seed_demo`` tells the story of ``seed/group-mentoring-article.txt`` through the use cases
(never by saving aggregates directly), so every demo event is stamped, checked and stored
like a coordinator's:

- the pilot (2024) in AREC, ICCC and CNIEA: 17 mentees in groups of 6, 6 and 5, one mentor
  per group, five sessions each; afterwards 6 jobs in the field, 1 business started, 1 P.Eng
  licence and 1 PEO exam passed, by 8 of the 17 mentees;
- the roll-out (2025-26) in all five PINs: 10 mentors (2 per PIN, the pilot mentors among
  them), two rounds ("Round 1 2025" closed, "Round 2 2025-26" running), one group per mentor,
  50-60 mentees, a few outcomes, and a cross-cultural networking evening hosted by AFCA with
  members of every PIN registered.

Names are made up from common first and last names of each community (no real people) and
e-mails are under example.org. The random choices come from ``random.Random(2024)``, so the
people, group sizes and attendance are the same on every run; only the ids differ.

Idempotency: the demo is all or nothing. Its last command carries the correlation id
``demo-seed/complete``; a store holding that event is already seeded, and ``seed_demo`` only
reads the counts back from the store (``already_seeded=True``). A store in which any of the
five demo PINs holds more than its registration, without that marker (an interrupted seed,
or real data), is refused with ``DemoSeedError`` rather than topped up: the ids are random,
so a half-written PIN cannot be matched reliably to the people still to be written. Seed an
empty store (or one where the PINs are merely registered) instead.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from domain.envelope import EventEnvelope
from domain.pin import pin_id_for
from domain.values import EnglishLevel, LicenceStatus, OutcomeKind
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext
from services.store import MentoringStore

DEMO_ACTOR = "demo-seed"
COMPLETE_MARKER = "demo-seed/complete"
# The admin context is not a PIN; register_pin does not look at its tenant id.
PLATFORM_TENANT = UUID(int=0)
# The latest date of any demo fact: seeding "as of" an earlier day would record the future.
LAST_DEMO_DAY = date(2026, 4, 30)


class DemoSeedError(Exception):
    """The store holds part of the demo (or other data of its PINs) and cannot be seeded."""


@dataclass(frozen=True)
class _Network:
    slug: str
    name: str
    community: str
    professions: tuple[str, ...]
    language: str
    extra_languages: tuple[str, ...]
    origins: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    # Profession of mentor 1 (the pilot mentor where there was a pilot; leads round 1) and
    # of mentor 2 (leads round 2).
    mentor_professions: tuple[str, str]
    pilot_group_size: int = 0


NETWORKS = (
    _Network(
        "arec", "Association of Romanian Engineers in Canada", "Romanian", ("Engineering",),
        "Romanian", ("French", "Italian"), ("Romania", "Romania", "Romania", "Moldova"),
        ("Andrei", "Mihai", "Ioana", "Elena", "Alexandru", "Cristina", "Radu", "Ana", "Bogdan",
         "Gabriela", "Florin", "Simona", "Vlad", "Irina", "Sorin", "Raluca", "Dragos", "Oana"),
        ("Popescu", "Ionescu", "Dumitrescu", "Stoica", "Gheorghe", "Munteanu", "Marin",
         "Tudor", "Dobre", "Barbu", "Nistor", "Florea", "Moldovan", "Lazar", "Matei"),
        ("Engineering", "Engineering"), pilot_group_size=6,
    ),
    _Network(
        "iccc", "Indo-Canada Chamber of Commerce", "Indian",
        ("Business", "Information technology", "Engineering"),
        "Hindi", ("Punjabi", "Gujarati", "Marathi", "Tamil"), ("India",),
        ("Arjun", "Priya", "Rahul", "Ananya", "Vikram", "Sneha", "Rohan", "Kavya", "Amit",
         "Pooja", "Sanjay", "Neha", "Harpreet", "Deepak", "Meera", "Karan", "Divya", "Ravi"),
        ("Sharma", "Patel", "Singh", "Gupta", "Reddy", "Iyer", "Nair", "Mehta", "Joshi",
         "Desai", "Kapoor", "Rao", "Malhotra", "Bhatt", "Sandhu"),
        ("Information technology", "Business"), pilot_group_size=6,
    ),
    _Network(
        "cniea", "Canadian Network of Iraqi Engineers and Architects", "Iraqi",
        ("Engineering", "Architecture"), "Arabic", ("Kurdish", "Turkish"), ("Iraq",),
        ("Ahmed", "Mohammed", "Ali", "Hussein", "Omar", "Zainab", "Fatima", "Noor", "Mustafa",
         "Hassan", "Layla", "Sara", "Karim", "Yasmin", "Haider", "Maryam", "Tariq", "Huda"),
        ("Al-Jubouri", "Al-Obaidi", "Al-Tamimi", "Al-Saadi", "Al-Rubaie", "Al-Hashimi",
         "Al-Khafaji", "Al-Zubaidi", "Kareem", "Hamid", "Salman", "Jasim", "Yousif", "Aziz",
         "Al-Bayati"),
        ("Engineering", "Architecture"), pilot_group_size=5,
    ),
    _Network(
        "afca", "Association of Filipino Canadian Accountants", "Filipino", ("Accounting",),
        "Filipino", ("Cebuano", "Ilocano"), ("Philippines",),
        ("Jose", "Maria", "Juan", "Kristine", "Paolo", "Angelica", "Carlo", "Rowena", "Ramon",
         "Liza", "Miguel", "Joy", "Marvin", "Cherry", "Rodel", "Grace", "Noel", "Rhea"),
        ("Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Mendoza", "Aquino", "Dela Cruz",
         "Villanueva", "Ramos", "Castillo", "Navarro", "Domingo", "Manalo", "Pascual"),
        ("Accounting", "Accounting"),
    ),
    _Network(
        "chc", "Canadian Hispanic Congress", "Hispanic",
        ("Information technology", "Engineering", "Healthcare", "Business"),
        "Spanish", ("Portuguese", "French"),
        ("Mexico", "Colombia", "Venezuela", "Peru", "Chile", "Argentina", "Ecuador"),
        ("Carlos", "María", "José", "Lucía", "Diego", "Valentina", "Andrés", "Camila",
         "Javier", "Sofía", "Luis", "Daniela", "Alejandro", "Mariana", "Fernando", "Natalia"),
        ("García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez",
         "Sánchez", "Ramírez", "Rivera", "Gómez", "Díaz", "Morales", "Vargas", "Castro"),
        ("Information technology", "Engineering"),
    ),
)  # fmt: skip

_REGULATED = {"Engineering", "Architecture", "Accounting", "Healthcare"}

AGENDAS = (
    "Introductions, goals and how the profession works in Canada",
    "Credentials, licensing and the regulator's path",
    "Resumes, interviews and Canadian workplace culture",
    "Networking: professional associations and the network's contacts",
    "Progress review, next steps and staying in touch",
)


@dataclass(frozen=True)
class _Round:
    name: str
    starts_on: date
    ends_on: date
    first_session: date
    session_gaps_days: tuple[int, ...]
    enrolment_from: date
    mentee_training: str
    mentee_training_on: date
    close: bool


PILOT = _Round(
    "Pilot 2024", date(2024, 2, 5), date(2024, 6, 7), date(2024, 2, 8), (28, 28, 28, 28),
    date(2024, 1, 8), "Canadian workplace orientation", date(2024, 2, 1), close=True,
)  # fmt: skip
ROUND_1 = _Round(
    "Round 1 2025", date(2025, 2, 3), date(2025, 6, 6), date(2025, 2, 6), (28, 28, 28, 28),
    date(2024, 12, 2), "Job search and networking in Canada (ALLIES-funded)",
    date(2025, 1, 30), close=True,
)  # fmt: skip
ROUND_2 = _Round(
    "Round 2 2025-26", date(2025, 11, 3), date(2026, 3, 13), date(2025, 11, 5), (28, 42, 21, 28),
    date(2025, 9, 2), "Job search and networking in Canada (ALLIES-funded)",
    date(2025, 10, 29), close=False,
)  # fmt: skip

MENTOR_TRAININGS = (
    ("Group mentoring facilitation (pilot)", date(2024, 1, 24)),
    ("Intercultural group mentoring (ALLIES-funded)", date(2025, 1, 22)),
)

JOB, BUSINESS, LICENCE, EXAM, OTHER_JOB, STUDY = (
    OutcomeKind.JOB_IN_FIELD,
    OutcomeKind.BUSINESS_STARTED,
    OutcomeKind.LICENCE_OBTAINED,
    OutcomeKind.LICENSING_EXAM_PASSED,
    OutcomeKind.JOB_OUTSIDE_FIELD,
    OutcomeKind.FURTHER_EDUCATION,
)
# (round, PIN, mentee's place in the group, kind, date, evidence)
OUTCOMES = (
    (PILOT, "arec", 0, JOB, date(2024, 7, 15), "Offer letter seen: junior design engineer."),
    (PILOT, "arec", 1, JOB, date(2024, 10, 1), "Offer letter seen: field engineer."),
    (PILOT, "arec", 2, LICENCE, date(2025, 3, 20), "P.Eng licence issued by PEO."),
    (PILOT, "iccc", 0, JOB, date(2024, 6, 24), "Offer letter seen: software developer."),
    (PILOT, "iccc", 1, JOB, date(2024, 9, 9), "Offer letter seen: data analyst."),
    (PILOT, "iccc", 2, BUSINESS, date(2024, 11, 4), "Registered an IT consulting business."),
    (PILOT, "cniea", 0, EXAM, date(2024, 8, 10), "Passed the PEO Professional Practice Exam."),
    (PILOT, "cniea", 0, JOB, date(2024, 12, 2), "Offer letter seen: engineer in training."),
    (PILOT, "cniea", 1, JOB, date(2025, 2, 17), "Offer letter seen: project engineer."),
    (ROUND_1, "arec", 0, JOB, date(2025, 8, 11), "Offer letter seen: electrical designer."),
    (ROUND_1, "iccc", 1, JOB, date(2025, 9, 2), "Offer letter seen: QA analyst."),
    (ROUND_1, "cniea", 0, EXAM, date(2025, 10, 4), "Passed the PEO Professional Practice Exam."),
    (ROUND_1, "afca", 0, JOB, date(2025, 7, 21), "Offer letter seen: staff accountant."),
    (ROUND_1, "afca", 2, EXAM, date(2025, 9, 12), "Passed the CPA Common Final Examination."),
    (ROUND_1, "chc", 1, JOB, date(2025, 8, 25), "Offer letter seen: systems analyst."),
    (ROUND_1, "chc", 3, STUDY, date(2025, 9, 8), "Enrolled in a bridging programme."),
    (ROUND_2, "arec", 2, OTHER_JOB, date(2026, 1, 19), "Offer letter seen: technical sales role."),
    (ROUND_2, "afca", 1, JOB, date(2026, 4, 20), "Offer letter seen: accounts payable lead."),
)

ACTIVITY_TITLE = "Cross-cultural networking evening"
ACTIVITY_HOST = "afca"
ACTIVITY_DAY = date(2025, 6, 19)


# --- the summary -----------------------------------------------------------------------------


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
class _Tally:
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


def _read_store(store: MentoringStore) -> _Tally:
    slug_of = {str(pin_id_for(n.slug)): n.slug for n in NETWORKS}
    tally = _Tally()
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


def _summary(tally: _Tally, already_seeded: bool) -> DemoSummary:
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


# --- seeding ---------------------------------------------------------------------------------


def seed_demo(store: MentoringStore, today: date | None = None) -> DemoSummary:
    """Seed the pilot and the roll-out (see the module docstring); safe to run again.

    ``today`` (default: the real date) is when the sessions are recorded as held; it must
    not be before ``LAST_DEMO_DAY``. Raises ``DemoSeedError`` for a partly seeded store.
    """
    today = today or date.today()
    if today < LAST_DEMO_DAY:
        raise ValueError(f"The demo runs until {LAST_DEMO_DAY}; today ({today}) is earlier.")
    tally = _read_store(store)
    if tally.complete:
        return _summary(tally, already_seeded=True)
    if partial := tally.beyond_registration():
        raise DemoSeedError(
            f"The store already holds {sum(partial.values())} event(s) of the demo PIN(s) "
            f"{', '.join(sorted(partial))} but not a complete demo (an interrupted seed, or "
            "real data). Seed an empty event store instead, e.g. a new MENTORING_DATABASE_URL."
        )
    _Seeder(store, today).run()
    return _summary(_read_store(store), already_seeded=False)


def _email(first: str, last: str, slug: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore")
    local = "".join(ch for ch in ascii_name.decode().lower() if ch.isalnum() or ch == ".")
    return f"{local}@{slug}.example.org"


class _Seeder:
    def __init__(self, store: MentoringStore, today: date) -> None:
        self.store = store
        self.today = today
        self.rng = random.Random(2024)  # noqa: S311 - reproducible demo data, not secrets
        self.step = "demo-seed/setup"
        self.mentors: dict[str, list[tuple[UUID, str]]] = {}  # PIN -> (id, profession)
        self.groups: dict[tuple[str, str], list[UUID]] = {}  # (round, PIN) -> mentees in order
        self.names: dict[str, Iterator[tuple[str, str]]] = {}
        for network in NETWORKS:
            pairs = list(itertools.product(network.first_names, network.last_names))
            self.rng.shuffle(pairs)
            self.names[network.slug] = iter(pairs)

    def ctx(self, slug: str) -> TenantContext:
        return TenantContext(pin_id_for(slug), Role.COORDINATOR, DEMO_ACTOR, self.step)

    def clock(self) -> date:
        return self.today

    def run(self) -> None:
        admin = TenantContext(PLATFORM_TENANT, Role.ADMIN, DEMO_ACTOR, self.step)
        for n in NETWORKS:
            cmd = c.RegisterPin(n.slug, n.name, [n.community], list(n.professions))
            uc.register_pin(self.store, cmd, admin)
        self.step = "demo-seed/pilot"
        pilot = [n for n in NETWORKS if n.pilot_group_size]
        for n in pilot:
            self.enrol_mentor(n, n.mentor_professions[0], MENTOR_TRAININGS[:1])
            self.run_round(n, PILOT, self.mentors[n.slug][0], n.pilot_group_size)
        self.step = "demo-seed/roll-out"
        for n in NETWORKS:
            for profession in n.mentor_professions[len(self.mentors.get(n.slug, [])) :]:
                self.enrol_mentor(n, profession, ())
            for mentor_id, _ in self.mentors[n.slug]:
                name, day = MENTOR_TRAININGS[1]
                uc.record_training(
                    self.store, c.RecordTraining(mentor_id, name, day), self.ctx(n.slug)
                )
        for n in NETWORKS:
            self.run_round(n, ROUND_1, self.mentors[n.slug][0], self.rng.choice((5, 6)))
        self.host_activity()
        for n in NETWORKS:
            self.run_round(n, ROUND_2, self.mentors[n.slug][1], self.rng.choice((5, 6)))
        for i, (round_, slug, place, kind, day, evidence) in enumerate(OUTCOMES, start=1):
            if i == len(OUTCOMES):
                self.step = COMPLETE_MARKER
            mentee_id = self.groups[round_.name, slug][place]
            uc.record_outcome(
                self.store, c.RecordOutcome(mentee_id, kind, day, evidence), self.ctx(slug)
            )

    def person(self, n: _Network) -> tuple[str, str, list[str]]:
        first, last = next(self.names[n.slug])
        languages = [n.language, "English"]
        if self.rng.random() < 0.3:
            languages.append(self.rng.choice(n.extra_languages))
        return f"{first} {last}", _email(first, last, n.slug), languages

    def enrol_mentor(
        self, n: _Network, profession: str, trainings: tuple[tuple[str, date], ...]
    ) -> None:
        name, email, languages = self.person(n)
        licence = (
            LicenceStatus.LICENSED if profession in _REGULATED else LicenceStatus.NOT_REGULATED
        )
        cmd = c.EnrolMentor(name, profession, languages, n.community, email, licence)
        mentor_id = uc.enrol_mentor(self.store, cmd, self.ctx(n.slug)).id
        self.mentors.setdefault(n.slug, []).append((mentor_id, profession))
        for training, day in trainings:
            uc.record_training(
                self.store, c.RecordTraining(mentor_id, training, day), self.ctx(n.slug)
            )

    def run_round(self, n: _Network, round_: _Round, mentor: tuple[UUID, str], size: int) -> None:
        ctx, store = self.ctx(n.slug), self.store
        mentor_id, profession = mentor
        plan = c.PlanCohort(round_.name, round_.starts_on, round_.ends_on)
        cohort_id = uc.plan_cohort(store, plan, ctx).id
        group_name = f"{n.slug.upper()} {profession} group ({round_.name})"
        group_id = uc.form_group_in_cohort(
            store, c.FormGroup(cohort_id, mentor_id, group_name), ctx
        ).id
        mentees = []
        for _ in range(size):
            name, email, languages = self.person(n)
            window = (round_.mentee_training_on - round_.enrolment_from).days
            enrolled_on = round_.enrolment_from + timedelta(days=self.rng.randrange(window))
            level = self.rng.choice(
                [
                    EnglishLevel.INTERMEDIATE,
                    EnglishLevel.ADVANCED,
                    EnglishLevel.ADVANCED,
                    EnglishLevel.FLUENT,
                ]
            )
            goals = f"Find work in {profession.lower()} in Ontario within a year."
            origin = self.rng.choice(n.origins)
            cmd = c.EnrolMentee(
                name, profession, origin, languages, level, enrolled_on, email, goals
            )
            mentee_id = uc.enrol_mentee(store, cmd, ctx).id
            training = c.RecordTraining(
                mentee_id, round_.mentee_training, round_.mentee_training_on
            )
            uc.record_training(store, training, ctx)
            uc.add_mentee_to_group(store, c.AddMenteeToGroup(group_id, mentee_id), ctx)
            mentees.append(mentee_id)
        self.groups[round_.name, n.slug] = mentees
        uc.start_cohort(store, c.StartCohort(cohort_id), ctx)
        day = round_.first_session + timedelta(days=NETWORKS.index(n))
        for gap, agenda in zip((0, *round_.session_gaps_days), AGENDAS, strict=True):
            day += timedelta(days=gap)
            uc.schedule_session(store, c.ScheduleSession(group_id, day, agenda), ctx)
        for number in range(1, len(AGENDAS) + 1):
            held = c.RecordSessionHeld(group_id, number)
            uc.record_session_held(store, held, ctx, today=self.clock)
            present = [m for m in mentees if self.rng.random() < 0.9]
            absent = [m for m in mentees if m not in present]
            uc.record_attendance(store, c.RecordAttendance(group_id, number, present, absent), ctx)
        if round_.close:
            uc.close_cohort(store, c.CloseCohort(cohort_id), ctx)

    def host_activity(self) -> None:
        description = (
            "Members of the five networks meet mentors and mentees of other communities; "
            "short talks on working across cultures, then open networking."
        )
        cmd = c.HostSharedActivity(ACTIVITY_TITLE, ACTIVITY_DAY, description, capacity=60)
        activity_id = uc.host_shared_activity(self.store, cmd, self.ctx(ACTIVITY_HOST)).id
        for n in NETWORKS:
            mentors = [mentor_id for mentor_id, _ in self.mentors[n.slug]]
            people = [*mentors, *self.groups[ROUND_1.name, n.slug][:2]]
            for person_id in people:
                register = c.RegisterForActivity(activity_id, person_id)
                uc.register_for_activity(self.store, register, self.ctx(n.slug))
