"""A small programme built through the use cases against the embedded SQLite store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest

from domain.pin import pin_id_for
from domain.values import EnglishLevel
from gateway.bootstrap import Platform
from services import commands as c
from services import use_cases as uc
from services.context import Role, TenantContext

ADMIN = TenantContext(tenant_id=UUID(int=0), role=Role.ADMIN, actor="platform-admin")


def coordinator(slug: str) -> TenantContext:
    return TenantContext(
        tenant_id=pin_id_for(slug), role=Role.COORDINATOR, actor=f"{slug}-coordinator"
    )


@dataclass
class Programme:
    ctx: TenantContext
    cohort_id: UUID
    mentor_id: UUID
    group_id: UUID
    mentee_ids: list[UUID]


def build(platform: Platform, slug: str, mentees: int = 5) -> Programme:
    store = platform.store
    uc.register_pin(store, c.RegisterPin(slug, slug.upper(), ["Romanian"], ["Engineering"]), ADMIN)
    ctx = coordinator(slug)
    mentor = uc.enrol_mentor(
        store, c.EnrolMentor("Ioana Popescu", "Engineering", ["Romanian"], "Romanian"), ctx
    )
    cohort = uc.plan_cohort(store, c.PlanCohort("Pilot", date(2024, 1, 8), date(2024, 4, 30)), ctx)
    group = uc.form_group_in_cohort(
        store, c.FormGroup(cohort.id, mentor.id, "Civil engineers"), ctx
    )
    ids = []
    for i in range(mentees):
        mentee = uc.enrol_mentee(
            store,
            c.EnrolMentee(
                f"Newcomer {i}",
                "Engineering",
                "Romania",
                ["Romanian"],
                EnglishLevel.INTERMEDIATE,
                date(2024, 1, 2),
            ),
            ctx,
        )
        uc.add_mentee_to_group(store, c.AddMenteeToGroup(group.id, mentee.id), ctx)
        ids.append(mentee.id)
    return Programme(ctx, cohort.id, mentor.id, group.id, ids)


@pytest.fixture
def arec(platform: Platform) -> Programme:
    return build(platform, "arec")


@pytest.fixture
def cniea(platform: Platform) -> Programme:
    return build(platform, "cniea")
