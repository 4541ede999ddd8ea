"""A mentor's token reads the group they lead and its mentees, and nothing else of their PIN.

arec has two groups in one round: the first led by ``Mentor of arec``, the second by a
second mentor (formed through GraphQL in the world), and mentees waiting for a group.
"""

from __future__ import annotations

from typing import Any

import pytest

from services.context import Role
from tests.security.conftest import World, error_codes, random_id
from tests.security.probes import (
    RootField,
    arguments,
    document,
    ids_by_kind,
    leaked,
    normalised,
    root_fields,
)

GROUP = """query($id: ID!) { group(id: $id) {
  id name mentor { id name } mentees { id name email goals outcomes { evidence } groups { id } }
  sessions { number attendance { menteeId present } }
} }"""
MENTEE = "query($id: ID!) { mentee(id: $id) { id name email goals } }"
MENTOR = "query($id: ID!) { mentor(id: $id) { id name email } }"
LISTS = """query($cohort: ID) {
  groups(first: 50) { totalCount edges { node { id } } }
  inCohort: groups(first: 50, cohortId: $cohort) { totalCount edges { node { id } } }
  mentees(first: 50) { totalCount edges { node { id groups { id } } } }
  menteesInCohort: mentees(first: 50, cohortId: $cohort) { totalCount edges { node { id } } }
  mentors(first: 50) { totalCount edges { node { id } } }
}"""


def mentor_token(world: World, subject: str | None = None, tenant: str = "arec") -> str:
    subject = world.arec.programme.mentor_id if subject is None else subject
    return world.signed(Role.MENTOR, tenant=tenant, subject=subject)


def own_people(world: World) -> set[str]:
    programme = world.arec.programme
    return {programme.mentor_id, *programme.mentee_ids}


def outsiders_secrets(world: World) -> set[str]:
    """Everything personal of arec's people outside the mentor's group, and all of cniea."""
    return world.arec.secrets(except_people=own_people(world)) | world.cniea.secrets()


def ids(connection: dict[str, Any]) -> set[str]:
    return {edge["node"]["id"] for edge in connection["edges"]}


def test_a_mentor_reads_their_own_group_and_its_mentees(world: World) -> None:
    arec = world.arec
    token = mentor_token(world)
    group = world.client.data(GROUP, {"id": arec.programme.group_id}, token=token)["group"]
    assert group["mentor"]["id"] == arec.programme.mentor_id
    assert [m["id"] for m in group["mentees"]] == arec.programme.mentee_ids
    assert all(m["groups"] == [{"id": arec.programme.group_id}] for m in group["mentees"])
    assert world.client.data(MENTEE, {"id": arec.programme.mentee_ids[0]}, token=token)["mentee"]

    lists = world.client.data(LISTS, {"cohort": arec.programme.cohort_id}, token=token)
    assert ids(lists["groups"]) == ids(lists["inCohort"]) == {arec.programme.group_id}
    assert ids(lists["mentees"]) == ids(lists["menteesInCohort"]) == set(arec.programme.mentee_ids)
    assert lists["mentees"]["totalCount"] == len(arec.programme.mentee_ids)
    assert ids(lists["mentors"]) == {arec.programme.mentor_id}
    assert lists["mentors"]["totalCount"] == 1
    assert all(
        [g["id"] for g in e["node"]["groups"]] == [arec.programme.group_id]
        for e in lists["mentees"]["edges"]
    )
    assert not leaked(lists, outsiders_secrets(world))


def test_another_group_of_the_same_pin_reads_like_an_unknown_id(world: World) -> None:
    arec = world.arec
    token = mentor_token(world)
    for query, foreign in (
        (GROUP, arec.second_group_id),
        (MENTEE, arec.second_group_mentee_ids[0]),
        (MENTEE, arec.waiting_mentee_ids[0]),
        (MENTOR, arec.second_mentor_id),
        (MENTOR, arec.free_mentor_id),
        (GROUP, world.cniea.programme.group_id),
        (MENTEE, world.cniea.ids["mentee"]),
    ):
        unknown = random_id()
        answer = world.client.execute(query, {"id": foreign}, token=token)
        control = world.client.execute(query, {"id": unknown}, token=token)
        assert error_codes(answer) == ["NOT_FOUND"], (foreign, answer)
        assert normalised(answer, foreign) == normalised(control, unknown)


def test_a_mentors_token_for_another_pin_or_a_non_mentor_is_unauthenticated(
    world: World,
) -> None:
    arec = world.arec
    for token in (
        mentor_token(world, tenant="cniea"),  # arec's mentor's id, in cniea
        mentor_token(world, subject=arec.programme.mentee_ids[0]),  # a mentee is no mentor
        mentor_token(world, subject="arec-coordinator"),
    ):
        for query, variables in (
            (LISTS, {"cohort": arec.programme.cohort_id}),
            (GROUP, {"id": arec.programme.group_id}),
        ):
            answer = world.client.execute(query, variables, token=token)
            assert answer.get("data") is None, answer
            assert error_codes(answer) == ["UNAUTHENTICATED"], answer


def test_a_mentor_token_with_an_empty_subject_reads_no_group(world: World) -> None:
    token = mentor_token(world, subject="")
    for query, foreign in (
        (GROUP, world.arec.second_group_id),
        (MENTOR, world.arec.second_mentor_id),
    ):
        answer = world.client.execute(query, {"id": foreign}, token=token)
        assert error_codes(answer) in (["NOT_FOUND"], ["UNAUTHENTICATED"]), answer
        assert not leaked(answer, outsiders_secrets(world) - {foreign})


WRITES_ON_ANOTHER_GROUP = (
    'mutation($g: ID!) { scheduleSession(input: {groupId: $g, scheduledOn: "2024-03-04", '
    'agenda: "Hijacked"}) { position } }',
    "mutation($g: ID!) { recordSessionHeld(groupId: $g, number: 1) { position } }",
    "mutation($g: ID!, $m: ID!) { recordAttendance(input: {groupId: $g, number: 1, "
    "absent: [$m]}) { position } }",
)
COORDINATOR_WRITES = (
    "mutation($g: ID!, $m: ID!) { addMenteeToGroup(groupId: $g, menteeId: $m) { position } }",
    "mutation($g: ID!, $m: ID!) { removeMenteeFromGroup(groupId: $g, menteeId: $m) { position } }",
    "mutation($m: ID!) { recordOutcome(input: {menteeId: $m, kind: JOB_IN_FIELD, occurredOn: "
    '"2024-04-02", evidence: "forged"}) { position } }',
    'mutation { enrolMentee(input: {name: "Intruder", profession: "Engineering", '
    'origin: "Romania", languages: ["Romanian"], englishLevel: BASIC, '
    'enrolledOn: "2024-01-03"}) { position } }',
    'mutation { createApiKey(name: "mine") { secret } }',
    "mutation($c: ID!) { proposeGroups(cohortId: $c) { position } }",
    "mutation($c: ID!) { closeCohort(cohortId: $c) { position } }",
)


def test_a_mentor_changes_no_group_but_their_own_and_does_no_coordinators_work(
    world: World,
) -> None:
    arec = world.arec
    token = mentor_token(world)
    before = world.snapshot(arec)
    other = {"g": arec.second_group_id, "m": arec.second_group_mentee_ids[0]}
    for mutation in WRITES_ON_ANOTHER_GROUP:
        variables = {k: v for k, v in other.items() if f"${k}" in mutation}
        answer = world.client.execute(mutation, variables, token=token)
        assert error_codes(answer) in (["FORBIDDEN"], ["NOT_FOUND"]), (mutation, answer)
    own = {
        "g": arec.programme.group_id,
        "m": arec.programme.mentee_ids[0],
        "c": arec.programme.cohort_id,
    }
    for mutation in COORDINATOR_WRITES:
        variables = {k: v for k, v in own.items() if f"${k}" in mutation}
        answer = world.client.execute(mutation, variables, token=token)
        assert error_codes(answer) == ["FORBIDDEN"], (mutation, answer)
    assert world.snapshot(arec) == before


# Answers a mentor may get from a field that is not theirs to read.
REFUSALS = {"FORBIDDEN", "NOT_FOUND"}


def _sweep(field: RootField) -> Any:
    return pytest.param(field, id=field.name)


@pytest.mark.parametrize("field", [_sweep(f) for f in root_fields("query")])
def test_no_query_shows_a_mentor_anyone_outside_their_groups(
    world: World, field: RootField
) -> None:
    """Every query, every leaf, with the ids the mentor may use: nothing personal of people
    outside the mentor's group (names, e-mails, goals, evidence, ids)."""
    arec = world.arec
    own = {
        **arec.ids,
        "group": arec.programme.group_id,
        "mentee": arec.programme.mentee_ids[0],
        "mentor": arec.programme.mentor_id,
    }
    values = arguments(field, ids_by_kind(field, own))
    answer = world.client.execute(document(field, values), values, token=mentor_token(world))
    assert set(error_codes(answer)) <= REFUSALS, answer
    assert not leaked(answer, outsiders_secrets(world)), leaked(answer, outsiders_secrets(world))
