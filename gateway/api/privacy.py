"""GraphQL of a person's privacy: erasure, consent, and the access export (coordinators).

Erasure destroys the person's data key and records the erasure; the read models then show
the person as erased (name ``[erased]``; e-mail, goals and outcome evidence gone) while every
count stays. The export gives everything the platform holds about one person as JSON.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import anyio.to_thread
import strawberry
from strawberry.scalars import JSON

from domain.privacy import Purpose
from gateway.context import RequestContext
from gateway.conversion import FromRow
from gateway.permissions import Coordinators
from gateway.resolvers import found, run_use_case
from gateway.types import Ctx, parse_id
from projections.privacy import queries as pq
from services.privacy import use_cases as pu

strawberry.enum(Purpose, name="ConsentPurpose")


@strawberry.type
class Consent(FromRow):
    purpose: Purpose
    given: bool
    recorded_at: datetime | None = strawberry.field(
        description="When it was last recorded; null: as agreed at enrolment."
    )


def _erased(root: PersonPrivacy) -> bool:
    return root.erased_at is not None


@strawberry.type
class PersonPrivacy(FromRow):
    person_id: strawberry.ID
    kind: str = strawberry.field(description="mentee or mentor")
    erased: bool = strawberry.field(resolver=_erased)
    erased_at: datetime | None
    consents: list[Consent]


@strawberry.type
class PrivacyPayload:
    privacy: PersonPrivacy
    position: int


async def _privacy(info: Ctx, person_id: UUID) -> PersonPrivacy:
    tenant = info.context.tenant
    row = await info.context.read(pq.privacy_of, tenant, str(person_id))
    return PersonPrivacy.of(found(row, "mentee or mentor", person_id))


def _export(context: RequestContext, person_id: UUID) -> dict[str, Any]:
    """Everything held about the person: their events (opened) and their read-model rows."""
    caller = context.principal()
    record = pu.person_record(context.platform.store, person_id, caller)
    rows = context.read_here(pq.rows_about, str(caller.tenant_id), str(person_id))
    document = {**record, "read_models": rows}
    return dict(json.loads(json.dumps(document, default=str)))


@strawberry.type
class PrivacyQuery:
    @strawberry.field(
        description="A person's consents and whether they were erased (coordinator).",
        permission_classes=[Coordinators],
    )
    async def person_privacy(self, info: Ctx, person_id: strawberry.ID) -> PersonPrivacy:
        return await _privacy(info, parse_id(person_id, "personId"))

    @strawberry.field(
        description="Access export: everything the platform holds about one person, as JSON "
        "(their events with personal fields opened, and every read-model row about them).",
        permission_classes=[Coordinators],
    )
    async def personal_data_export(self, info: Ctx, person_id: strawberry.ID) -> JSON:
        ident = parse_id(person_id, "personId")
        document = await anyio.to_thread.run_sync(_export, info.context, ident)
        return JSON(document)


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(
        description="Erase a mentee: destroy their data key, record the erasure, purge the read "
        "models. Counts and reports do not change. Cannot be undone."
    )
    async def erase_mentee(self, info: Ctx, id: strawberry.ID) -> PrivacyPayload:
        _, changed = await run_use_case(info, pu.erase_mentee, pu.ErasePerson(parse_id(id, "id")))
        return PrivacyPayload(privacy=await _privacy(info, changed.id), position=changed.position)

    @strawberry.mutation(description="Erase a mentor (as eraseMentee).")
    async def erase_mentor(self, info: Ctx, id: strawberry.ID) -> PrivacyPayload:
        _, changed = await run_use_case(info, pu.erase_mentor, pu.ErasePerson(parse_id(id, "id")))
        return PrivacyPayload(privacy=await _privacy(info, changed.id), position=changed.position)

    @strawberry.mutation(description="Record that a person gave consent to a purpose.")
    async def give_consent(
        self,
        info: Ctx,
        person_id: strawberry.ID,
        purpose: Purpose,
    ) -> PrivacyPayload:
        return await _consent(info, person_id, purpose, given=True)

    @strawberry.mutation(
        description="Record that a person withdrew consent to a purpose; it takes effect at once "
        "(withdrawn sharing: other PINs no longer see them in shared activities)."
    )
    async def withdraw_consent(
        self,
        info: Ctx,
        person_id: strawberry.ID,
        purpose: Purpose,
    ) -> PrivacyPayload:
        return await _consent(info, person_id, purpose, given=False)


async def _consent(
    info: Ctx, person_id: strawberry.ID, purpose: Purpose, given: bool
) -> PrivacyPayload:
    command = pu.RecordConsent(parse_id(person_id, "personId"), purpose, given)
    _, changed = await run_use_case(info, pu.record_consent, command)
    return PrivacyPayload(privacy=await _privacy(info, changed.id), position=changed.position)
