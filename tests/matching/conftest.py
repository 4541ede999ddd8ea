"""A PIN with mentees waiting for a group and a new round, built through the use cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

import pytest

from domain.pin import pin_id_for
from domain.values import EnglishLevel, LicenceStatus
from gateway.bootstrap import Platform
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext

ADMIN = TenantContext(tenant_id=UUID(int=0), role=Role.ADMIN, actor="platform-admin")
LEVELS = list(EnglishLevel)


def coordinator(slug: str) -> TenantContext:
    return TenantContext(pin_id_for(slug), Role.COORDINATOR, f"{slug}-coordinator")


@dataclass
class WaitingRound:
    """A PIN's new round: its mentors, and mentees in no group yet."""

    ctx: TenantContext
    cohort_id: UUID
    mentor_ids: list[UUID] = field(default_factory=list)
    mentee_ids: list[UUID] = field(default_factory=list)
    position: int = 0


def build_round(
    platform: Platform,
    slug: str,
    language: str = "Romanian",
    origin: str = "Romania",
    *,
    engineers: int = 11,
    arabic_speakers: int = 2,
) -> WaitingRound:
    """Two mentors who speak ``language`` (one may lead two groups), one Arabic mentor, and
    ``engineers`` mentees who speak ``language`` plus ``arabic_speakers`` who speak Arabic."""
    store = platform.store
    uc.register_pin(store, c.RegisterPin(slug, slug.upper(), [language], ["Engineering"]), ADMIN)
    ctx = coordinator(slug)
    cohort = uc.plan_cohort(
        store, c.PlanCohort("Round 3 2026", date(2026, 9, 7), date(2027, 1, 15)), ctx
    )
    waiting = WaitingRound(ctx, cohort.id)
    for name, speaks, capacity in (
        (f"{slug} civil mentor", language, 2),
        (f"{slug} electrical mentor", language, 1),
        (f"{slug} arabic mentor", "Arabic", 1),
    ):
        mentor = uc.enrol_mentor(
            store,
            c.EnrolMentor(
                name, "Engineering", [speaks, "English"], "Romanian", None,
                LicenceStatus.LICENSED, capacity,
            ),
            ctx,
        )  # fmt: skip
        waiting.mentor_ids.append(mentor.id)
    people = [(language, origin)] * engineers + [("Arabic", "Iraq")] * arabic_speakers
    for i, (speaks, born) in enumerate(people):
        mentee = uc.enrol_mentee(
            store,
            c.EnrolMentee(
                f"{slug} newcomer {i}", "Engineering", born, [speaks, "English"],
                LEVELS[i % len(LEVELS)], date(2026, 6, 1),
            ),
            ctx,
        )  # fmt: skip
        waiting.mentee_ids.append(mentee.id)
        waiting.position = mentee.position
    platform.catch_up(waiting.position)
    return waiting


@pytest.fixture
def arec_round(platform: Platform) -> WaitingRound:
    return build_round(platform, "arec")


@pytest.fixture
def cniea_round(platform: Platform) -> WaitingRound:
    return build_round(platform, "cniea", "Arabic", "Iraq", engineers=6, arabic_speakers=0)
