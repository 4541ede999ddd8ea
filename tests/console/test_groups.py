"""A coordinator forms groups in the console: propose, read the explanations, move a mentee,
accept; a seventh mentee is refused; another PIN's proposal or group is "not found"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from services.context import Role
from tests.console.conftest import Browser, text_of

ENROL_MENTOR = """
mutation($name: String!) {
  enrolMentor(input: {name: $name, profession: "Engineering", languages: ["Romanian"],
                      culturalBackground: "Romanian"}) { mentor { id } }
}"""
ENROL_MENTEE = """
mutation($name: String!, $on: Date!) {
  enrolMentee(input: {name: $name, profession: "Engineering", origin: "Romania",
                      languages: ["Romanian"], englishLevel: INTERMEDIATE, enrolledOn: $on}) {
    mentee { id }
  }
}"""
PLAN = """
mutation($starts: Date!, $ends: Date!) {
  planCohort(input: {name: "Spring round", startsOn: $starts, endsOn: $ends}) { cohort { id } }
}"""
START = "mutation($id: ID!) { startCohort(cohortId: $id) { position } }"
PROPOSAL = """
query($id: ID!) {
  groupProposal(id: $id) {
    state edits groups { number size mentor { id name } mentees { id name } }
  }
}"""
GROUPS = """
query($cohort: ID!) {
  groups(cohortId: $cohort) { edges { node { id name mentor { id } mentees { id name } } } }
}"""


@dataclass
class Round:
    pin: str
    cohort: str
    mentors: dict[str, str]
    mentees: dict[str, str]
    """Name -> id."""


def running_round(browser: Browser, pin: str, mentors: list[str], mentees: int) -> Round:
    """A running cohort of ``pin`` around today, mentors and mentees who share a language."""
    token = browser.token(Role.COORDINATOR, pin)
    today = date.today()
    span = {"starts": str(today - timedelta(days=30)), "ends": str(today + timedelta(days=90))}
    cohort = browser.graphql(PLAN, span, token=token)["planCohort"]["cohort"]["id"]
    browser.graphql(START, {"id": cohort}, token=token)
    found = Round(pin, cohort, {}, {})
    for name in mentors:
        made = browser.graphql(ENROL_MENTOR, {"name": name}, token=token)
        found.mentors[name] = made["enrolMentor"]["mentor"]["id"]
    for number in range(1, mentees + 1):
        name = f"{pin.upper()} Mentee {number:02d}"
        made = browser.graphql(
            ENROL_MENTEE, {"name": name, "on": str(today - timedelta(days=40))}, token=token
        )
        found.mentees[name] = made["enrolMentee"]["mentee"]["id"]
    return found


def propose(browser: Browser, cohort: str) -> str:
    """Propose groups through the console; the proposal's id."""
    page = browser.post(f"/cohorts/{cohort}/groups/propose", {"form_key": "k" + cohort[:8]})
    assert page.status_code == 200, page.text
    found = re.search(r"/proposals/([0-9a-f-]{36})$", str(page.url))
    assert found, page.url
    return found.group(1)


def proposal_of(browser: Browser, proposal: str, pin: str = "arec") -> dict[str, Any]:
    token = browser.token(Role.COORDINATOR, pin)
    found: dict[str, Any] = browser.graphql(PROPOSAL, {"id": proposal}, token=token)[
        "groupProposal"
    ]
    return found


@pytest.fixture
def spring(browser: Browser) -> Round:
    """arec's running round: two mentors and eleven mentees (groups of 6 and 5)."""
    return running_round(browser, "arec", ["Ana Popescu", "Radu Ionescu"], 11)


def test_propose_explain_move_and_accept(browser: Browser, spring: Round) -> None:
    browser.sign_in()
    cohort_page = browser.get(f"/cohorts/{spring.cohort}/groups")
    assert cohort_page.status_code == 200
    assert f'action="/cohorts/{spring.cohort}/groups/propose"' in cohort_page.text
    assert 'data-busy="Working out the groups…"' in cohort_page.text  # the button says so
    assert 'href="/groups"' in browser.get("/").text  # "Groups" is on the coordinator's menu
    assert browser.get("/console/static/busy.js").status_code == 200

    proposal = propose(browser, spring.cohort)
    page = browser.get(f"/proposals/{proposal}")
    shown = text_of(page.text)
    assert "Proposed groups for Spring round" in shown
    assert "Placed 11 of 11 mentees" in shown
    assert "Shared languages Romanian (6 mentees)" in shown  # why they are together
    assert "Profession Engineering" in shown
    assert "How it was found method milp" in shown  # the solver's report
    assert "English levels intermediate (11 mentees)" not in shown  # per group, not in all
    assert "English levels intermediate (6 mentees)" in shown
    before = proposal_of(browser, proposal)["groups"]
    big = next(g for g in before if g["size"] == 6)
    small = next(g for g in before if g["size"] == 5)
    moved = big["mentees"][0]
    assert f'<label for="to-{moved["id"]}">{moved["name"]}</label>' in page.text

    after_move = browser.post(
        f"/proposals/{proposal}/moves",
        {f"to-{moved['id']}": str(small["number"]), "form_key": "move1"},
    )

    assert after_move.status_code == 200, text_of(after_move.text)
    assert "Mentees moved: 1." in text_of(after_move.text)
    edited = proposal_of(browser, proposal)
    assert edited["edits"] == 1
    target = next(g for g in edited["groups"] if g["mentor"]["id"] == small["mentor"]["id"])
    assert moved["id"] in [m["id"] for m in target["mentees"]]

    accepted = browser.post(f"/proposals/{proposal}/accept", {"form_key": "accept1"})

    assert accepted.status_code == 200
    assert str(accepted.url).endswith(f"/cohorts/{spring.cohort}/groups")
    shown = text_of(accepted.text)
    assert "The proposal is accepted: 2 groups are formed." in shown
    assert "Groups formed" in shown
    assert "accepted" in shown
    token = browser.token(Role.COORDINATOR, "arec")
    formed = browser.graphql(GROUPS, {"cohort": spring.cohort}, token=token)["groups"]["edges"]
    chosen = next(e["node"] for e in formed if e["node"]["mentor"]["id"] == small["mentor"]["id"])
    assert moved["id"] in [m["id"] for m in chosen["mentees"]]
    assert len(chosen["mentees"]) == 6
    group_page = browser.get(f"/groups/{chosen['id']}")
    assert moved["name"] in text_of(group_page.text)
    assert proposal_of(browser, proposal)["state"] == "ACCEPTED"
    assert "Accept and form" not in browser.get(f"/proposals/{proposal}").text


def test_a_seventh_mentee_is_refused_with_a_clear_message(browser: Browser, spring: Round) -> None:
    browser.sign_in()
    proposal = propose(browser, spring.cohort)
    groups = proposal_of(browser, proposal)["groups"]
    full = next(g for g in groups if g["size"] == 6)
    other = next(g for g in groups if g is not full)
    extra = other["mentees"][0]

    refused = browser.post(
        f"/proposals/{proposal}/moves",
        {f"to-{extra['id']}": str(full["number"]), "form_key": "seventh"},
    )

    assert refused.status_code == 400
    assert (
        f"Nothing was saved: group {full['number']} would have 7 mentees; this cohort allows "
        "at most 6." in text_of(refused.text)
    )
    assert proposal_of(browser, proposal)["edits"] == 0
    # the form keeps what was chosen, so the coordinator can change it
    assert re.search(
        rf'<option value="{full["number"]}" selected>[^<]*</option>\s*'
        rf'(<option value="\d+">[^<]*</option>\s*)*<option value="out">',
        refused.text.split(f'id="to-{extra["id"]}"')[1],
    )
    nothing = browser.post(f"/proposals/{proposal}/moves", {"form_key": "none"})
    assert nothing.status_code == 400
    assert "Choose another group for at least one mentee." in text_of(nothing.text)


def test_a_proposal_can_be_rejected_with_a_reason(browser: Browser, spring: Round) -> None:
    browser.sign_in()
    proposal = propose(browser, spring.cohort)

    rejected = browser.post(
        f"/proposals/{proposal}/reject", {"reason": "Wait for two more", "form_key": "rej"}
    )

    assert rejected.status_code == 200
    shown = text_of(rejected.text)
    assert "The proposal is rejected." in shown
    assert "rejected: Wait for two more" in shown
    assert proposal_of(browser, proposal)["state"] == "REJECTED"
    again = browser.post(f"/proposals/{proposal}/accept", {"form_key": "late"})
    assert again.status_code == 400
    assert "Nothing was saved: The proposal is already rejected" in text_of(again.text)


def test_the_groups_page_lists_cohorts_and_groups(browser: Browser, spring: Round) -> None:
    browser.sign_in()
    proposal = propose(browser, spring.cohort)
    browser.post(f"/proposals/{proposal}/accept", {"form_key": "acc"})

    page = browser.get("/groups")

    assert page.status_code == 200
    shown = text_of(page.text)
    assert f'href="/cohorts/{spring.cohort}/groups"' in page.text
    assert "2 groups" in shown
    assert "Ana Popescu" in shown
    assert "Radu Ionescu" in shown


@pytest.fixture
def other_pin(browser: Browser) -> tuple[str, str]:
    """iccc's proposal and, once accepted, one of its groups: (proposal id, group id)."""
    iccc = running_round(browser, "iccc", ["Priya Shah"], 5)
    token = browser.token(Role.COORDINATOR, "iccc")
    proposed = browser.graphql(
        "mutation($c: ID!) { proposeGroups(cohortId: $c, timeLimitSeconds: 5) "
        "{ proposal { id } } }",
        {"c": iccc.cohort},
        token=token,
    )["proposeGroups"]["proposal"]["id"]
    accepted = browser.graphql(
        "mutation($p: ID!) { acceptProposal(proposalId: $p) { groups { id } } }",
        {"p": proposed},
        token=token,
    )["acceptProposal"]["groups"][0]["id"]
    later = running_round(browser, "iccc", ["Arjun Mehta"], 5)
    second = browser.graphql(
        "mutation($c: ID!) { proposeGroups(cohortId: $c) { proposal { id } } }",
        {"c": later.cohort},
        token=token,
    )["proposeGroups"]["proposal"]["id"]
    return second, accepted


@pytest.mark.parametrize("which", ["other_pin", "unknown", "not-an-id"])
def test_another_pins_proposal_or_group_is_not_found(
    browser: Browser, other_pin: tuple[str, str], which: str
) -> None:
    proposal, group = {
        "other_pin": other_pin,
        "unknown": ("00000000-0000-4000-8000-000000000000",) * 2,
        "not-an-id": ("not-an-id", "not-an-id"),
    }[which]
    browser.sign_in()  # arec's coordinator

    for path in (f"/proposals/{proposal}", f"/groups/{group}", f"/cohorts/{group}/groups"):
        page = browser.get(path)
        assert page.status_code == 404, path
        assert "Not found" in text_of(page.text)
        assert "ICCC Mentee" not in page.text
        assert "Priya Shah" not in page.text
        assert "Arjun Mehta" not in page.text
    for path in ("moves", "accept", "reject"):
        assert browser.post(f"/proposals/{proposal}/{path}", {}).status_code == 404
    assert browser.post(f"/cohorts/{group}/groups/propose", {}).status_code == 404
    if which == "other_pin":
        assert proposal_of(browser, proposal, "iccc")["state"] == "PROPOSED"


def test_a_form_without_its_csrf_token_is_refused(browser: Browser, spring: Round) -> None:
    browser.sign_in()
    proposal = propose(browser, spring.cohort)

    for path in (f"/proposals/{proposal}/accept", f"/cohorts/{spring.cohort}/groups/propose"):
        refused = browser.client.post(path, data={"form_key": "x"})
        assert refused.status_code == 403, path
        assert "The form has expired" in text_of(refused.text)
    assert proposal_of(browser, proposal)["state"] == "PROPOSED"


def test_a_mentor_may_not_form_groups(browser: Browser, spring: Round) -> None:
    token = browser.token(Role.MENTOR, "arec", subject=spring.mentors["Ana Popescu"])
    browser.get("/auth/dev", params={"token": token})

    assert browser.get(f"/cohorts/{spring.cohort}/groups").status_code == 403
    assert browser.get("/groups").status_code == 403


def test_propose_groups_honours_an_idempotency_key(browser: Browser, spring: Round) -> None:
    """The API: proposeGroups sent twice with one Idempotency-Key proposes once."""
    token = browser.token(Role.COORDINATOR, "arec")
    answers = [
        browser.client.post(
            "/graphql",
            json={
                "query": "mutation($c: ID!) { proposeGroups(cohortId: $c, timeLimitSeconds: 5) "
                "{ proposal { id } } }",
                "variables": {"c": spring.cohort},
            },
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "propose-once"},
        ).json()
        for _ in range(2)
    ]

    ids = [a["data"]["proposeGroups"]["proposal"]["id"] for a in answers]
    assert ids[0] == ids[1]
    listed = browser.graphql("{ groupProposals { id } }", token=token)["groupProposals"]
    assert [p["id"] for p in listed] == [ids[0]]


def test_who_is_left_out_is_shown_with_the_reason(browser: Browser, spring: Round) -> None:
    token = browser.token(Role.COORDINATOR, "arec")
    browser.graphql(
        """mutation { enrolMentee(input: {name: "Rosa Cruz", profession: "Accounting",
        origin: "Philippines", languages: ["Tagalog"], englishLevel: FLUENT,
        enrolledOn: "2026-01-05"}) { position } }""",
        token=token,
    )
    browser.sign_in()

    page = browser.get(f"/proposals/{propose(browser, spring.cohort)}")

    shown = text_of(page.text)
    assert "Placed 11 of 12 mentees" in shown
    assert "Not placed, and why" in shown
    left = shown.split("Not placed, and why")[1]
    assert left.startswith(" Rosa Cruz : No mentor available in this cohort speaks Tagalog.")
    assert "Enrol a mentor who speaks Tagalog" in left  # what would place her
    assert 'value="out" selected' in page.text  # in the move form as "in no group"
