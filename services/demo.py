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
from collections.abc import Iterator
from datetime import date, timedelta
from uuid import UUID

from domain.pin import pin_id_for
from domain.values import EnglishLevel, LicenceStatus
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext
from services.demo_data import (
    ACTIVITY_DAY,
    ACTIVITY_HOST,
    ACTIVITY_TITLE,
    AGENDAS,
    COMPLETE_MARKER,
    DEMO_ACTOR,
    MENTOR_TRAININGS,
    NETWORKS,
    OUTCOMES,
    PILOT,
    REGULATED,
    ROUND_1,
    ROUND_2,
    Network,
    Round,
)
from services.demo_summary import DemoSummary, read_store, summary
from services.store import MentoringStore

# The admin context is not a PIN; register_pin does not look at its tenant id.
PLATFORM_TENANT = UUID(int=0)
# The latest date of any demo fact: seeding "as of" an earlier day would record the future.
LAST_DEMO_DAY = date(2026, 4, 30)


class DemoSeedError(Exception):
    """The store holds part of the demo (or other data of its PINs) and cannot be seeded."""


def seed_demo(store: MentoringStore, today: date | None = None) -> DemoSummary:
    """Seed the pilot and the roll-out (see the module docstring); safe to run again.

    ``today`` (default: the real date) is when the sessions are recorded as held; it must
    not be before ``LAST_DEMO_DAY``. Raises ``DemoSeedError`` for a partly seeded store.
    """
    today = today or date.today()
    if today < LAST_DEMO_DAY:
        raise ValueError(f"The demo runs until {LAST_DEMO_DAY}; today ({today}) is earlier.")
    tally = read_store(store)
    if tally.complete:
        return summary(tally, already_seeded=True)
    if partial := tally.beyond_registration():
        raise DemoSeedError(
            f"The store already holds {sum(partial.values())} event(s) of the demo PIN(s) "
            f"{', '.join(sorted(partial))} but not a complete demo (an interrupted seed, or "
            "real data). Seed an empty event store instead, e.g. a new MENTORING_DATABASE_URL."
        )
    _Seeder(store, today).run()
    return summary(read_store(store), already_seeded=False)


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

    def person(self, n: Network) -> tuple[str, str, list[str]]:
        first, last = next(self.names[n.slug])
        languages = [n.language, "English"]
        if self.rng.random() < 0.3:
            languages.append(self.rng.choice(n.extra_languages))
        return f"{first} {last}", _email(first, last, n.slug), languages

    def enrol_mentor(
        self, n: Network, profession: str, trainings: tuple[tuple[str, date], ...]
    ) -> None:
        name, email, languages = self.person(n)
        licence = LicenceStatus.LICENSED if profession in REGULATED else LicenceStatus.NOT_REGULATED
        cmd = c.EnrolMentor(name, profession, languages, n.community, email, licence)
        mentor_id = uc.enrol_mentor(self.store, cmd, self.ctx(n.slug)).id
        self.mentors.setdefault(n.slug, []).append((mentor_id, profession))
        for training, day in trainings:
            uc.record_training(
                self.store, c.RecordTraining(mentor_id, training, day), self.ctx(n.slug)
            )

    def run_round(self, n: Network, round_: Round, mentor: tuple[UUID, str], size: int) -> None:
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
