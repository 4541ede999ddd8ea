"""The gateway caches query results until the read models change: a cached answer must never
reach anyone but who it was computed for. Each document is first asked by one caller (which
fills the cache), then by the others, who must each get their own answer."""

from __future__ import annotations

from typing import Any

import pytest

from services.context import Role
from tests.security.conftest import World

DOCUMENTS = (
    "{ mentees(first: 50) { totalCount edges { node { id name email } } } }",
    "{ groups(first: 50) { edges { node { id name mentees { id name } } } } }",
    "{ mentors(first: 50) { edges { node { id name email } } } }",
    "{ sharedActivities { id registrations { ownMember personId name } } }",
    "{ apiKeys { id name } }",
    "{ pin { slug name } }",
)


def callers(world: World) -> dict[str, str]:
    arec = world.arec
    return {
        "arec's coordinator": arec.token,
        "arec's API key": arec.api_key,
        "cniea's coordinator": world.cniea.token,
        "arec's first mentor": world.token(Role.MENTOR, "arec", arec.programme.mentor_id),
        "arec's second mentor": world.token(Role.MENTOR, "arec", arec.second_mentor_id),
        "a network operator": world.token(Role.NETWORK, None, "imn"),
        "a funder": world.token(Role.FUNDER, None, "allies"),
    }


def answers(world: World, document: str, order: list[str]) -> dict[str, Any]:
    tokens = callers(world)
    return {who: world.client.execute(document, token=tokens[who]) for who in order}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_cached_answer_reaches_only_who_it_was_computed_for(world: World, document: str) -> None:
    names = list(callers(world))
    # Every caller first, then every caller again in the opposite order: the second round
    # is served from the cache; each caller must get what they got the first time, and the
    # first round (filled in a different order by each caller before) must be their own.
    first = answers(world, document, names)
    again = answers(world, document, names[::-1])
    assert first == again
    uncached = {
        who: world.client.execute(document + f" # {who}", token=token)
        for who, token in callers(world).items()
    }
    assert first == uncached


def test_who_am_i_is_never_someone_elses_answer(world: World) -> None:
    query = "{ me { role actor tenantId } }"
    alice = world.token(Role.COORDINATOR, "arec", "alice")
    bob = world.token(Role.COORDINATOR, "arec", "bob")
    assert world.client.data(query, token=alice)["me"]["actor"] == "alice"
    assert world.client.data(query, token=bob)["me"]["actor"] == "bob"
