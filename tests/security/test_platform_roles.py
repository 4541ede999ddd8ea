"""Network operators, funders and platform admins see no personal data, whatever they ask.

Every query field is called with every leaf selected; fields whose type can hold a person
(mentees, mentors, the people of a group proposal) answer FORBIDDEN, the others answer
without a single name, e-mail, goal, piece of evidence or person id of either PIN.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLObjectType, get_named_type

from services.context import Role
from tests.security.conftest import World, error_codes, subscribe
from tests.security.probes import (
    RootField,
    arguments,
    document,
    graphql_schema,
    ids_by_kind,
    leaked,
    root_fields,
)

PLATFORM_ROLES = (Role.NETWORK, Role.FUNDER, Role.ADMIN)
PERSONAL_TYPES = {"Mentee", "Mentor", "ProposalPerson"}
# What a platform role may be told instead of data.
REFUSALS = {"FORBIDDEN", "NOT_FOUND"}
# Writes these roles exist for; any other write is refused.
ALLOWED_WRITES = {
    (Role.ADMIN, "registerPin"),
    (Role.ADMIN, "issueAuditCheckpoint"),
    (Role.ADMIN, "releaseNetworkStatistics"),  # public counts only; no PIN's data changes
}


def reaches_personal_data(type_: Any, seen: frozenset[str] = frozenset()) -> bool:
    named = get_named_type(type_)
    if named.name in PERSONAL_TYPES:
        return True
    if not isinstance(named, GraphQLObjectType) or named.name in seen:
        return False
    return any(reaches_personal_data(f.type, seen | {named.name}) for f in named.fields.values())


def secrets(world: World) -> set[str]:
    return world.arec.secrets() | world.cniea.secrets()


def call(world: World, field: RootField, token: str) -> list[dict[str, Any]]:
    """``field`` with arec's ids, once per value of each enum argument it requires."""
    arec = world.arec
    values = arguments(field, ids_by_kind(field, arec.ids))
    variants = [values]
    for name, value in values.items():
        named = get_named_type(field.field.args[name].type)
        if hasattr(named, "values") and isinstance(value, str) and value in named.values:
            variants = [{**v, name: option} for v in variants for option in named.values]
    return [
        world.client.execute(document(field, variant), variant, token=token) for variant in variants
    ]


# A network, funder or admin token may also carry a `tenant` claim (`mentoring token --tenant
# arec --role network` issues one); it must not open the PIN's personal data either.
def _case(role: Role, tenant: str | None, field: RootField) -> Any:
    return pytest.param(role, tenant, field, id=f"{role}-{tenant or 'platform'}-{field.name}")


@pytest.mark.parametrize(
    ("role", "tenant", "field"),
    [
        _case(role, tenant, field)
        for role in PLATFORM_ROLES
        for tenant in (None, "arec")
        for field in root_fields("query")
    ],
)
def test_a_platform_role_never_receives_a_personal_field(
    world: World, role: Role, tenant: str | None, field: RootField
) -> None:
    token = world.token(role, tenant=tenant, subject=f"{role}-probe")
    personal = reaches_personal_data(field.field.type)
    for answer in call(world, field, token):
        if personal:
            assert error_codes(answer) == ["FORBIDDEN"], answer
        else:
            assert set(error_codes(answer)) <= REFUSALS, answer
        assert not leaked(answer, secrets(world)), leaked(answer, secrets(world))


def test_the_sweep_covers_the_personal_fields() -> None:
    """The sweep above knows which fields hold people (or it would check nothing)."""
    personal = {f.name for f in root_fields("query") if reaches_personal_data(f.field.type)}
    assert {
        "mentees",
        "mentee",
        "mentors",
        "mentor",
        "groups",
        "group",
        "groupProposal",
    } <= personal
    assert "networkStatistics" not in personal
    assert "sharedActivities" not in personal


@pytest.mark.parametrize("role", PLATFORM_ROLES, ids=str)
def test_a_platform_role_changes_no_pins_data(world: World, role: Role) -> None:
    """Every mutation, with arec's ids: refused (but the admin's and funder's own), nothing
    personal in the answer, and neither PIN's data changes."""
    before = world.snapshot(world.arec), world.snapshot(world.cniea)
    token = world.token(role, subject=f"{role}-probe")
    for field in root_fields("mutation"):
        values = arguments(field, ids_by_kind(field, world.arec.ids))
        answer = world.client.execute(document(field, values, depth=3), values, token=token)
        if (role, field.name) not in ALLOWED_WRITES:
            assert set(error_codes(answer)) & REFUSALS, (field, answer)
        assert not leaked(answer, secrets(world)), (field, answer)
    assert (world.snapshot(world.arec), world.snapshot(world.cniea)) == before


SUBSCRIBE = "subscription { activity { position eventType recordId } }"


@pytest.mark.parametrize("role", [*PLATFORM_ROLES, Role.MENTOR], ids=str)
def test_only_a_coordinator_hears_a_pins_activity(world: World, role: Role) -> None:
    tenant = "arec" if role == Role.MENTOR else None
    token = world.token(role, tenant=tenant, subject=world.arec.programme.mentor_id)
    with world.websocket() as ws:
        answer = subscribe(ws, f"Bearer {token}", SUBSCRIBE)
    assert error_codes(answer) == ["FORBIDDEN"], answer


def test_every_subscription_is_swept(world: World) -> None:
    """Subscriptions other than `activity` would need a case in this module."""
    subscription = graphql_schema().subscription_type
    assert subscription is not None
    assert set(subscription.fields) == {"activity"}
