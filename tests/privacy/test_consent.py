"""Consent per purpose: recorded as events; a withdrawal takes effect in what PINs see at once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.cohort import Cohort
from domain.privacy import Purpose
from domain.values import EnglishLevel
from gateway.bootstrap import Platform
from projections.matching.queries import ReadModelCandidates
from services import commands as c
from services import use_cases as uc
from services.context import Role
from services.matching.commands import ProposeGroups
from services.matching.use_cases import matching_problem
from services.privacy.use_cases import ErasePerson, RecordConsent, erase_mentee, record_consent
from tests.conftest import GraphQLClient
from tests.e2e.conftest import ENROL_MENTEE, PinProgramme, build_programme
from tests.services.conftest import build

HOST = """mutation($title: String!) {
  hostSharedActivity(input: {title: $title, heldOn: "2026-06-18", description: "Evening"}) {
    sharedActivity { id } position
  }
}"""
REGISTER = """mutation($activity: ID!, $person: ID!) {
  registerForActivity(activityId: $activity, personId: $person) {
    sharedActivity { registrationCount } position
  }
}"""
ACTIVITY = """query($id: ID!, $at: Int) {
  sharedActivity(id: $id, consistentWith: $at) {
    registrationCount registrations { kind ownMember personId name }
  }
}"""
WITHDRAW = """mutation($person: ID!, $purpose: ConsentPurpose!) {
  withdrawConsent(personId: $person, purpose: $purpose) {
    privacy { consents { purpose given recordedAt } } position
  }
}"""
GIVE = """mutation($person: ID!, $purpose: ConsentPurpose!) {
  giveConsent(personId: $person, purpose: $purpose) { privacy { erased } position }
}"""
PRIVACY = """query($person: ID!) {
  personPrivacy(personId: $person) { kind erased consents { purpose given recordedAt } }
}"""


@pytest.fixture
def arec(gateway: GraphQLClient) -> PinProgramme:
    return build_programme(gateway, "arec", mentees=2)


@pytest.fixture
def cniea(gateway: GraphQLClient) -> PinProgramme:
    return build_programme(gateway, "cniea", mentees=1)


def _host(gateway: GraphQLClient, pin: PinProgramme, title: str) -> str:
    hosted = gateway.data(HOST, {"title": title}, token=pin.token)["hostSharedActivity"]
    return str(hosted["sharedActivity"]["id"])


def _view(gateway: GraphQLClient, pin: PinProgramme, activity: str, at: int) -> dict[str, Any]:
    data = gateway.data(ACTIVITY, {"id": activity, "at": at}, token=pin.token)
    return dict(data["sharedActivity"])


def _consent(
    gateway: GraphQLClient, query: str, pin: PinProgramme, person: str, purpose: str
) -> dict[str, Any]:
    data = gateway.data(query, {"person": person, "purpose": purpose}, token=pin.token)
    return dict(next(iter(data.values())))


def test_a_person_who_withdraws_sharing_is_not_listed_to_other_pins(
    gateway: GraphQLClient, arec: PinProgramme, cniea: PinProgramme
) -> None:
    person = arec.mentee_ids[0]
    theirs = _host(gateway, cniea, "Iraqi and Romanian engineers meet")
    ours = _host(gateway, arec, "Romanian engineers' open evening")
    for activity in (theirs, ours):
        gateway.data(REGISTER, {"activity": activity, "person": person}, token=arec.token)
    registered = gateway.data(
        REGISTER, {"activity": theirs, "person": arec.mentee_ids[1]}, token=arec.token
    )
    at = registered["registerForActivity"]["position"]
    assert len(_view(gateway, cniea, theirs, at)["registrations"]) == 2

    withdrawn = _consent(gateway, WITHDRAW, arec, person, "SHARING")

    at = withdrawn["position"]
    for activity in (theirs, ours):  # hosted by the other PIN or by the person's own
        other = _view(gateway, cniea, activity, at)
        own = _view(gateway, arec, activity, at)
        assert all(r["ownMember"] is False for r in other["registrations"])
        assert len(other["registrations"]) == other["registrationCount"]  # no trace
        assert {r["personId"] for r in own["registrations"]} >= {person}
    sharing = next(c for c in withdrawn["privacy"]["consents"] if c["purpose"] == "SHARING")
    assert sharing["given"] is False
    assert sharing["recordedAt"]

    given = _consent(gateway, GIVE, arec, person, "SHARING")
    again = _view(gateway, cniea, theirs, given["position"])
    assert len(again["registrations"]) == again["registrationCount"] == 2


def test_without_sharing_consent_nobody_registers_the_person_for_another_pins_activity(
    gateway: GraphQLClient, arec: PinProgramme, cniea: PinProgramme
) -> None:
    person = arec.mentee_ids[0]
    theirs = _host(gateway, cniea, "Iraqi and Romanian engineers meet")
    ours = _host(gateway, arec, "Romanian engineers' open evening")
    _consent(gateway, WITHDRAW, arec, person, "SHARING")

    refused = gateway.error_code(REGISTER, {"activity": theirs, "person": person}, token=arec.token)
    at = gateway.data(REGISTER, {"activity": ours, "person": person}, token=arec.token)

    assert refused == "INVARIANT_VIOLATION"
    assert at["registerForActivity"]["sharedActivity"]["registrationCount"] == 1


def test_a_person_who_withdraws_from_the_programme_is_placed_in_no_group(
    gateway: GraphQLClient, arec: PinProgramme
) -> None:
    enrolled = gateway.data(
        ENROL_MENTEE, {"name": "Late Newcomer", "email": None}, token=arec.token
    )
    person = enrolled["enrolMentee"]["mentee"]["id"]
    _consent(gateway, WITHDRAW, arec, person, "PARTICIPATION")
    add = """mutation($group: ID!, $mentee: ID!) {
      addMenteeToGroup(groupId: $group, menteeId: $mentee) { position }
    }"""

    code = gateway.error_code(add, {"group": arec.group_id, "mentee": person}, token=arec.token)

    assert code == "INVARIANT_VIOLATION"


def test_consents_are_read_per_purpose_and_only_by_the_persons_coordinator(
    gateway: GraphQLClient, arec: PinProgramme, cniea: PinProgramme
) -> None:
    person = arec.mentee_ids[0]
    _consent(gateway, WITHDRAW, arec, person, "FOLLOW_UP")

    privacy = gateway.data(PRIVACY, {"person": person}, token=arec.token)["personPrivacy"]
    mentor = gateway.token(Role.MENTOR, tenant="arec", subject=arec.mentor_id)

    assert privacy["kind"] == "mentee"
    assert privacy["erased"] is False
    assert {c["purpose"]: c["given"] for c in privacy["consents"]} == {
        "PARTICIPATION": True,
        "SHARING": True,
        "FOLLOW_UP": False,
    }
    assert gateway.error_code(PRIVACY, {"person": person}, token=cniea.token) == "NOT_FOUND"
    assert gateway.error_code(PRIVACY, {"person": person}, token=mentor) == "FORBIDDEN"
    assert (
        gateway.error_code(WITHDRAW, {"person": person, "purpose": "SHARING"}, token=cniea.token)
        == "NOT_FOUND"
    )


def test_group_formation_leaves_out_erased_and_withdrawn_people(platform: Platform) -> None:
    store = platform.store
    programme = build(platform, "arec", mentees=0)
    ids = [
        uc.enrol_mentee(
            store,
            c.EnrolMentee(
                f"Waiting {i}",
                "Engineering",
                "Romania",
                ["Romanian"],
                EnglishLevel.BASIC,
                date(2024, 1, 2),
            ),
            programme.ctx,
        ).id
        for i in range(3)
    ]
    erase_mentee(store, ErasePerson(ids[0]), programme.ctx)
    record_consent(store, RecordConsent(ids[1], Purpose.PARTICIPATION, False), programme.ctx)
    platform.catch_up(store.recorder.max_notification_id() or 0)
    cohort: Cohort = store.repository.get(programme.cohort_id)

    problem = matching_problem(
        store,
        ProposeGroups(programme.cohort_id),
        programme.ctx,
        cohort,
        ReadModelCandidates(platform.read_models),
    )

    assert [m.id for m in problem.mentees] == [ids[2]]
