"""A larger programme than the demo, generated: five PINs, three rounds each, 25-55 mentees
per round in groups of 5-6, in two or three professions per PIN, attendance at three sessions
per group, random outcomes (some kinds common, some rare) and trainings.

Written through the use cases (tests/services/conftest.py's way) with a fixed random seed, so
every run writes the same counts. Run as a process, it writes the programme into the store
that MENTORING_DATABASE_URL names, projected, and exits: then the real ``mentoring serve``
serves it (tests/outside/test_statistics_generated.py)::

    MENTORING_DATABASE_URL=sqlite:///tmp/x/events.db python -m tests.security.generated_programme
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from uuid import UUID

from domain.pin import pin_id_for
from domain.values import EnglishLevel, OutcomeKind
from gateway.bootstrap import Platform, build_platform
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext
from services.settings import Settings

ADMIN = TenantContext(tenant_id=UUID(int=0), role=Role.ADMIN, actor="platform-admin")
SEED = 10
PINS = ("alpha", "bravo", "charlie", "delta", "echo")
PROFESSIONS = ("Engineering", "Accounting", "Information technology", "Medicine", "Architecture")
ROUNDS = (
    ("Spring 2024", date(2024, 1, 8), date(2024, 4, 30)),
    ("Autumn 2024", date(2024, 9, 2), date(2024, 12, 13)),
    ("Spring 2025", date(2025, 1, 6), date(2025, 4, 30)),
)
OUTCOME_CHANCES = {
    OutcomeKind.JOB_IN_FIELD: 0.30,
    OutcomeKind.JOB_OUTSIDE_FIELD: 0.12,
    OutcomeKind.LICENSING_EXAM_PASSED: 0.08,
    OutcomeKind.FURTHER_EDUCATION: 0.05,
    OutcomeKind.LICENCE_OBTAINED: 0.04,
    OutcomeKind.BUSINESS_STARTED: 0.02,
}


class Generator:
    """Writes one PIN's programme through the use cases, its choices from ``rng``."""

    def __init__(self, platform: Platform, rng: random.Random) -> None:
        self.store = platform.store
        self.rng = rng

    def pin(self, slug: str) -> None:
        professions = self.rng.sample(PROFESSIONS, self.rng.choice((2, 3)))
        register = c.RegisterPin(slug, f"{slug.title()} network", ["Any"], professions)
        uc.register_pin(self.store, register, ADMIN)
        ctx = TenantContext(pin_id_for(slug), Role.COORDINATOR, f"{slug}-coordinator")
        for name, starts, ends in ROUNDS:
            cohort = uc.plan_cohort(self.store, c.PlanCohort(name, starts, ends), ctx).id
            mentees = self.rng.randint(25, 55)
            while mentees > 0:
                size = min(mentees, self.rng.choice((5, 6)))
                self.group(ctx, cohort, self.rng.choice(professions), size, starts, ends)
                mentees -= size

    def group(
        self,
        ctx: TenantContext,
        cohort: UUID,
        profession: str,
        size: int,
        starts: date,
        ends: date,
    ) -> None:
        store, rng = self.store, self.rng
        mentor = uc.enrol_mentor(
            store, c.EnrolMentor("A mentor", profession, ["English"], "Canadian"), ctx
        ).id
        group = uc.form_group_in_cohort(store, c.FormGroup(cohort, mentor, "G"), ctx).id
        mentees = []
        for _ in range(size):
            enrolled = c.EnrolMentee(
                "A newcomer",
                profession,
                "Abroad",
                ["English"],
                EnglishLevel.INTERMEDIATE,
                starts - timedelta(days=30),
            )
            mentee = uc.enrol_mentee(store, enrolled, ctx).id
            uc.add_mentee_to_group(store, c.AddMenteeToGroup(group, mentee), ctx)
            mentees.append(mentee)
        for number in (1, 2, 3):
            held_on = starts + timedelta(weeks=3 * number)
            uc.schedule_session(store, c.ScheduleSession(group, held_on, "Agenda"), ctx)
            uc.record_session_held(store, c.RecordSessionHeld(group, number), ctx)
            present = [m for m in mentees if rng.random() < 0.85]
            absent = [m for m in mentees if m not in present]
            uc.record_attendance(store, c.RecordAttendance(group, number, present, absent), ctx)
        for mentee in mentees:
            for kind, chance in OUTCOME_CHANCES.items():
                if rng.random() < chance:
                    outcome = c.RecordOutcome(mentee, kind, ends - timedelta(days=7), "e")
                    uc.record_outcome(store, outcome, ctx)
            if rng.random() < 0.2:
                training = c.RecordTraining(mentee, "Workplace culture", starts)
                uc.record_training(store, training, ctx)
        if rng.random() < 0.5:
            uc.record_training(store, c.RecordTraining(mentor, "Facilitation", starts), ctx)


def generate(platform: Platform, seed: int = SEED) -> None:
    """Write the whole programme, and wait until the read models hold it."""
    generator = Generator(platform, random.Random(seed))
    for slug in PINS:
        generator.pin(slug)
    head = platform.store.recorder.max_notification_id() or 0
    while not platform.catch_up(head):
        pass


def main() -> None:
    """Generate into the store of the environment's settings."""
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else SEED
    platform = build_platform(Settings())
    try:
        generate(platform, seed)
    finally:
        platform.close()


if __name__ == "__main__":
    main()
