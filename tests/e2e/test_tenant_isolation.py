"""GraphQL over HTTP: each PIN sees only its own programme, and bad input gets a clear code."""

from __future__ import annotations

import time
import uuid

import jwt

from services.context import Role
from tests.conftest import GraphQLClient
from tests.e2e.conftest import ADD_MENTEE, ENROL_MENTEE, PinProgramme

MENTEES = "{ mentees { totalCount edges { node { id name } } } }"
GROUP = """query($id: ID!) {
  group(id: $id) { name menteeCount underMinimumSize mentor { name } mentees { id } }
}"""
MENTEE = "query($id: ID!) { mentee(id: $id) { id name } }"


def test_a_coordinator_sees_only_their_own_pins_mentees(
    gateway: GraphQLClient, arec: PinProgramme, cniea: PinProgramme
) -> None:
    arec_view = gateway.data(MENTEES, token=arec.token)["mentees"]
    cniea_view = gateway.data(MENTEES, token=cniea.token)["mentees"]

    assert arec_view["totalCount"] == 6
    assert {e["node"]["id"] for e in arec_view["edges"]} == set(arec.mentee_ids)
    assert cniea_view["totalCount"] == 5
    assert {e["node"]["id"] for e in cniea_view["edges"]} == set(cniea.mentee_ids)
    assert all(e["node"]["name"].startswith("cniea") for e in cniea_view["edges"])


def test_another_pins_id_is_not_found_exactly_like_a_random_id(
    gateway: GraphQLClient, arec: PinProgramme, cniea: PinProgramme
) -> None:
    foreign = gateway.execute(MENTEE, {"id": cniea.mentee_ids[0]}, token=arec.token)
    random = gateway.execute(MENTEE, {"id": str(uuid.uuid4())}, token=arec.token)

    assert foreign["data"] is None
    assert random["data"] is None
    assert (
        foreign["errors"][0]["extensions"]
        == random["errors"][0]["extensions"]
        == {"code": "NOT_FOUND"}
    )
    assert foreign["errors"][0]["message"].replace(cniea.mentee_ids[0], "ID") == random["errors"][
        0
    ]["message"].replace(random["errors"][0]["message"].split()[-1].rstrip("."), "ID")
    assert gateway.error_code(GROUP, {"id": cniea.group_id}, token=arec.token) == "NOT_FOUND"


def test_a_coordinator_cannot_place_another_pins_mentee_in_their_group(
    gateway: GraphQLClient, arec: PinProgramme, cniea: PinProgramme
) -> None:
    code = gateway.error_code(
        ADD_MENTEE, {"group": cniea.group_id, "mentee": arec.mentee_ids[0]}, token=arec.token
    )
    assert code == "NOT_FOUND"
    group = gateway.data(GROUP, {"id": cniea.group_id}, token=cniea.token)["group"]
    assert group["menteeCount"] == 5


def test_a_group_refuses_a_seventh_mentee(gateway: GraphQLClient, arec: PinProgramme) -> None:
    seventh = gateway.data(ENROL_MENTEE, {"name": "Seventh newcomer"}, token=arec.token)
    body = gateway.execute(
        ADD_MENTEE,
        {"group": arec.group_id, "mentee": seventh["enrolMentee"]["mentee"]["id"]},
        token=arec.token,
    )

    assert body["errors"][0]["extensions"]["code"] == "INVARIANT_VIOLATION"
    assert "at most 6" in body["errors"][0]["message"]
    group = gateway.data(GROUP, {"id": arec.group_id}, token=arec.token)["group"]
    assert group["menteeCount"] == 6
    assert len(group["mentees"]) == 6


def test_a_group_under_the_minimum_size_is_flagged(
    gateway: GraphQLClient, cniea: PinProgramme
) -> None:
    remove = """mutation($g: ID!, $m: ID!) { removeMenteeFromGroup(groupId: $g, menteeId: $m) {
      group { menteeCount underMinimumSize } } }"""
    before = gateway.data(GROUP, {"id": cniea.group_id}, token=cniea.token)["group"]
    after = gateway.data(remove, {"g": cniea.group_id, "m": cniea.mentee_ids[0]}, token=cniea.token)

    assert before["underMinimumSize"] is False
    assert after["removeMenteeFromGroup"]["group"] == {"menteeCount": 4, "underMinimumSize": True}


def test_requests_without_a_valid_token_are_unauthenticated(
    gateway: GraphQLClient, arec: PinProgramme
) -> None:
    now = int(time.time())
    claims = {
        "sub": "x",
        "role": "coordinator",
        "tenant": "arec",
        "aud": "mentoring",
        "iss": "mentoring",
    }
    expired = jwt.encode(
        {**claims, "iat": now - 100, "exp": now - 10}, gateway.settings.jwt_secret, "HS256"
    )
    forged = jwt.encode(
        {**claims, "exp": now + 600}, "another-secret-of-sufficient-length-000", "HS256"
    )
    unsigned = jwt.encode({**claims, "exp": now + 600}, None, "none")
    wrong_audience = jwt.encode(
        {**claims, "aud": "elsewhere", "exp": now + 600}, gateway.settings.jwt_secret, "HS256"
    )

    for token in (None, expired, forged, unsigned, wrong_audience, "not-a-jwt"):
        body = gateway.execute(MENTEES, token=token)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", token
        assert "arec" not in body["errors"][0]["message"]


def test_roles_without_access_to_personal_data_are_forbidden(
    gateway: GraphQLClient, arec: PinProgramme
) -> None:
    funder = gateway.token(Role.FUNDER, tenant=None, subject="allies")
    assert gateway.error_code(MENTEES, token=funder) == "FORBIDDEN"
    enrol = gateway.error_code(ENROL_MENTEE, {"name": "Someone"}, token=funder)
    assert enrol == "FORBIDDEN"


def test_malformed_documents_and_ids_get_an_error_code_never_a_server_error(
    gateway: GraphQLClient, arec: PinProgramme
) -> None:
    for document in ("{ mentees { ", "{ noSuchField }", "mutation { enrolMentee }", ""):
        response = gateway.post(document, token=arec.token)
        assert response.status_code < 500, document
        if response.status_code == 200:
            assert response.json()["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert gateway.error_code(MENTEE, {"id": "not-an-id"}, token=arec.token) == "BAD_INPUT"
    assert (
        gateway.error_code('{ mentees(after: "bogus") { totalCount } }', token=arec.token)
        == "BAD_INPUT"
    )
    deep = "{ groups { edges { node { " + "mentees { groups { " * 5 + "id" + " } }" * 5 + " } } } }"
    assert gateway.error_code(deep, token=arec.token) == "BAD_INPUT"


def test_pages_follow_a_stable_order(gateway: GraphQLClient, arec: PinProgramme) -> None:
    page = "query($after: String) { mentees(first: 4, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }"
    first = gateway.data(page, token=arec.token)["mentees"]
    second = gateway.data(page, {"after": first["pageInfo"]["endCursor"]}, token=arec.token)[
        "mentees"
    ]

    ids = [e["node"]["id"] for e in first["edges"] + second["edges"]]
    assert first["pageInfo"]["hasNextPage"] is True
    assert second["pageInfo"]["hasNextPage"] is False
    assert ids == arec.mentee_ids


def test_a_query_reads_its_own_write_and_a_position_never_given_out_is_refused_at_once(
    gateway: GraphQLClient, arec: PinProgramme
) -> None:
    query = "query($p: Int) { mentees(consistentWith: $p) { totalCount } }"
    enrolled = gateway.data(ENROL_MENTEE, {"name": "Newcomer"}, token=arec.token)["enrolMentee"]

    seen = gateway.data(query, {"p": enrolled["position"]}, token=arec.token)
    assert seen["mentees"]["totalCount"] == 7
    started = time.monotonic()
    beyond = {"p": enrolled["position"] + 1000}
    assert gateway.error_code(query, beyond, token=arec.token) == "BAD_INPUT"
    # Refused without waiting out the consistency timeout.
    assert time.monotonic() - started < gateway.settings.consistency_timeout
