"""Over HTTP: a coordinator proposes groups, reads the explanations, edits and accepts them."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from services.context import Role
from tests.conftest import GraphQLClient

REGISTER_PIN = """
mutation($slug: String!) {
  registerPin(input: {slug: $slug, name: $slug, communities: ["Romanian"],
                      professions: ["Engineering"]}) { position }
}"""
ENROL_MENTOR = """
mutation($name: String!, $languages: [String!]!, $capacity: Int!) {
  enrolMentor(input: {name: $name, profession: "Engineering", languages: $languages,
                      culturalBackground: "Romanian", licenceStatus: LICENSED,
                      capacity: $capacity}) { mentor { id } }
}"""
ENROL_MENTEE = """
mutation($name: String!, $languages: [String!]!, $level: EnglishLevel!) {
  enrolMentee(input: {name: $name, profession: "Engineering", origin: "Romania",
                      languages: $languages, englishLevel: $level,
                      enrolledOn: "2026-06-01"}) { mentee { id } position }
}"""
PLAN_COHORT = """
mutation { planCohort(input: {name: "Round 3 2026", startsOn: "2026-09-07",
                              endsOn: "2027-01-15"}) { cohort { id } } }"""
PROPOSAL_FIELDS = """
  id state score placedCount candidateCount edits
  points { total placed profession culture englishMix }
  solver { method status gap score greedyScore }
  groups {
    number name size underMinimumSize summary
    mentor { id name } mentees { id name }
    languages { name mentees } profession { name mentees } culture { name mentees }
    points { total }
  }
  unplaced { mentee { id name } reason explanation remedies }
"""
PROPOSE = f"""
mutation($cohort: ID!, $weights: WeightsInput) {{
  proposeGroups(cohortId: $cohort, weights: $weights) {{ position proposal {{ {PROPOSAL_FIELDS} }} }}
}}"""
PROPOSALS = f"""
query($cohort: ID, $position: Int) {{
  groupProposals(cohortId: $cohort, consistentWith: $position) {{ {PROPOSAL_FIELDS} }}
}}"""
EDIT = """
mutation($id: ID!, $mentee: ID!, $to: Int) {
  editProposal(proposalId: $id, moves: [{menteeId: $mentee, toGroup: $to}]) {
    proposal { edits score placedCount unplaced { mentee { id } reason remedies } }
  }
}"""
ACCEPT = """
mutation($id: ID!) {
  acceptProposal(proposalId: $id) {
    position proposal { state formedGroups { id } } groups { id name menteeCount mentor { id } }
  }
}"""
REJECT = """
mutation($id: ID!, $reason: String) {
  rejectProposal(proposalId: $id, reason: $reason) { proposal { state rejectionReason } }
}"""
GROUPS = """query($cohort: ID!) { groups(cohortId: $cohort) { totalCount edges { node {
  name menteeCount mentor { name } mentees { id } } } } }"""


@dataclass
class Round:
    token: str
    cohort_id: str
    mentors: dict[str, str] = field(default_factory=dict)  # id -> name
    mentees: dict[str, str] = field(default_factory=dict)
    position: int = 0


def waiting_round(client: GraphQLClient, slug: str, romanians: int = 11) -> Round:
    admin = client.token(Role.ADMIN, tenant=None, subject="platform-admin")
    client.data(REGISTER_PIN, {"slug": slug}, token=admin)
    token = client.token(Role.COORDINATOR, tenant=slug, subject=f"{slug}-coordinator")
    cohort = client.data(PLAN_COHORT, token=token)["planCohort"]["cohort"]["id"]
    built = Round(token, cohort)
    for name, languages, capacity in (
        (f"{slug} Ioana Popescu", ["Romanian", "English"], 2),
        (f"{slug} Ahmed Al-Obaidi", ["Arabic", "English"], 1),
    ):
        variables = {"name": name, "languages": languages, "capacity": capacity}
        mentor = client.data(ENROL_MENTOR, variables, token=token)["enrolMentor"]["mentor"]
        built.mentors[mentor["id"]] = name
    levels = ["BASIC", "INTERMEDIATE", "ADVANCED", "FLUENT"]
    people = [["Romanian", "English"]] * romanians + [["Arabic", "English"]] * 2
    for i, languages in enumerate(people):
        variables = {"name": f"{slug} newcomer {i}", "languages": languages, "level": levels[i % 4]}
        enrolled = client.data(ENROL_MENTEE, variables, token=token)["enrolMentee"]
        built.mentees[enrolled["mentee"]["id"]] = f"{slug} newcomer {i}"
        built.position = enrolled["position"]
    return built


def test_a_coordinator_proposes_reviews_and_accepts_groups(gateway: GraphQLClient) -> None:
    arec = waiting_round(gateway, "arec")

    proposed = gateway.data(PROPOSE, {"cohort": arec.cohort_id}, token=arec.token)
    proposal = proposed["proposeGroups"]["proposal"]

    assert proposal["state"] == "PROPOSED"
    assert (proposal["placedCount"], proposal["candidateCount"]) == (11, 13)
    assert proposal["solver"]["status"] == "optimal"
    assert proposal["solver"]["gap"] == 0
    assert sorted(g["size"] for g in proposal["groups"]) == [5, 6]
    for group in proposal["groups"]:
        assert group["mentor"]["name"] == "arec Ioana Popescu"
        assert group["languages"] == [{"name": "Romanian", "mentees": group["size"]}]
        assert group["profession"] == {"name": "Engineering", "mentees": group["size"]}
        assert group["summary"].startswith(f"{group['size']} mentees; all speak Romanian")
        assert all(m["name"].startswith("arec newcomer") for m in group["mentees"])
    assert proposal["score"] == sum(g["points"]["total"] for g in proposal["groups"])
    assert {u["reason"] for u in proposal["unplaced"]} == {"TOO_FEW_FOR_A_GROUP"}
    remedies = proposal["unplaced"][0]["remedies"]
    assert (
        "3 more mentee(s) who speak Arabic would let arec Ahmed Al-Obaidi open a group." in remedies
    )

    listed = gateway.data(
        PROPOSALS,
        {"cohort": arec.cohort_id, "position": proposed["proposeGroups"]["position"]},
        token=arec.token,
    )["groupProposals"]
    assert [p["id"] for p in listed] == [proposal["id"]]
    assert listed[0]["groups"] == proposal["groups"]

    accepted = gateway.data(ACCEPT, {"id": proposal["id"]}, token=arec.token)["acceptProposal"]
    assert accepted["proposal"]["state"] == "ACCEPTED"
    assert sorted(g["menteeCount"] for g in accepted["groups"]) == [5, 6]
    assert [g["id"] for g in accepted["groups"]] == [
        g["id"] for g in accepted["proposal"]["formedGroups"]
    ]
    groups = gateway.data(GROUPS, {"cohort": arec.cohort_id}, token=arec.token)["groups"]
    assert groups["totalCount"] == 2
    assert {e["node"]["name"] for e in groups["edges"]} == {
        "Engineering · Romanian · group 1",
        "Engineering · Romanian · group 2",
    }


def test_a_coordinator_edits_a_proposal_before_accepting(gateway: GraphQLClient) -> None:
    arec = waiting_round(gateway, "arec")
    proposal = gateway.data(PROPOSE, {"cohort": arec.cohort_id}, token=arec.token)["proposeGroups"][
        "proposal"
    ]
    six = next(g for g in proposal["groups"] if g["size"] == 6)
    leaving = six["mentees"][0]["id"]

    edited = gateway.data(
        EDIT, {"id": proposal["id"], "mentee": leaving, "to": None}, token=arec.token
    )["editProposal"]["proposal"]

    assert edited["edits"] == 1
    assert edited["placedCount"] == 10
    [explained] = [u for u in edited["unplaced"] if u["mentee"]["id"] == leaving]
    assert explained["reason"] == "ROOM_AVAILABLE"
    assert explained["remedies"] == ["Move this mentee into the group of arec Ioana Popescu."]
    arabic = next(i for i, name in arec.mentees.items() if name.endswith("newcomer 12"))
    code = gateway.error_code(
        EDIT, {"id": proposal["id"], "mentee": arabic, "to": six["number"]}, token=arec.token
    )
    assert code == "INVARIANT_VIOLATION"


def test_a_rejected_proposal_is_kept(gateway: GraphQLClient) -> None:
    arec = waiting_round(gateway, "arec")
    proposal = gateway.data(PROPOSE, {"cohort": arec.cohort_id}, token=arec.token)["proposeGroups"][
        "proposal"
    ]

    rejected = gateway.data(
        REJECT, {"id": proposal["id"], "reason": "Wait for September's enrolments."},
        token=arec.token,
    )["rejectProposal"]["proposal"]  # fmt: skip

    assert rejected == {"state": "REJECTED", "rejectionReason": "Wait for September's enrolments."}
    assert gateway.error_code(ACCEPT, {"id": proposal["id"]}, token=arec.token) == (
        "INVARIANT_VIOLATION"
    )


def test_another_pins_cohort_and_proposal_are_not_found(gateway: GraphQLClient) -> None:
    arec = waiting_round(gateway, "arec")
    cniea = waiting_round(gateway, "cniea", romanians=6)
    theirs = gateway.data(PROPOSE, {"cohort": cniea.cohort_id}, token=cniea.token)["proposeGroups"][
        "proposal"
    ]

    assert gateway.error_code(PROPOSE, {"cohort": cniea.cohort_id}, token=arec.token) == (
        "NOT_FOUND"
    )
    assert gateway.error_code(ACCEPT, {"id": theirs["id"]}, token=arec.token) == "NOT_FOUND"
    assert gateway.data(PROPOSALS, {}, token=arec.token)["groupProposals"] == []
    mine = gateway.data(PROPOSE, {"cohort": arec.cohort_id}, token=arec.token)
    people = {m["id"] for g in mine["proposeGroups"]["proposal"]["groups"] for m in g["mentees"]}
    assert people <= set(arec.mentees)
    assert not people & set(cniea.mentees)


@pytest.mark.parametrize("role", [Role.MENTOR, Role.FUNDER])
def test_only_coordinators_form_groups(gateway: GraphQLClient, role: Role) -> None:
    arec = waiting_round(gateway, "arec")
    if role == Role.MENTOR:
        token = gateway.token(role, tenant="arec", subject=next(iter(arec.mentors)))
    else:
        token = gateway.token(role, tenant=None)

    assert gateway.error_code(PROPOSE, {"cohort": arec.cohort_id}, token=token) == "FORBIDDEN"
    assert gateway.error_code(PROPOSALS, {}, token=token) == "FORBIDDEN"


def test_weights_out_of_range_are_bad_input(gateway: GraphQLClient) -> None:
    arec = waiting_round(gateway, "arec")

    code = gateway.error_code(
        PROPOSE, {"cohort": arec.cohort_id, "weights": {"profession": 500}}, token=arec.token
    )

    assert code == "BAD_INPUT"
