"""A person who withdraws consent to sharing leaves no trace in what other PINs see of a
shared activity: not an anonymous entry, and not one more in its registration count.

Each viewer's ``registrationCount`` is the number of ``registrations`` it is listed.
"""

from __future__ import annotations

from typing import Any

import pytest

from services.context import Role
from tests.conftest import GraphQLClient
from tests.e2e.conftest import PinProgramme, build_programme

HOST = """mutation {
  hostSharedActivity(input: {title: "Engineers across cultures", heldOn: "2026-06-18",
                             description: "Talks, then networking"}) {
    sharedActivity { id } position
  }
}"""
REGISTER = """mutation($activity: ID!, $person: ID!) {
  registerForActivity(activityId: $activity, personId: $person) {
    sharedActivity { registrationCount registrations { ownMember } } position
  }
}"""
WITHDRAW = """mutation($person: ID!) {
  withdrawConsent(personId: $person, purpose: SHARING) { position }
}"""
GIVE = (
    """mutation($person: ID!) { giveConsent(personId: $person, purpose: SHARING) { position } }"""
)
ONE = """query($id: ID!, $at: Int) {
  sharedActivity(id: $id, consistentWith: $at) { registrationCount registrations { ownMember } }
}"""
ALL = """query($at: Int) {
  sharedActivities(consistentWith: $at) { id registrationCount registrations { ownMember } }
}"""


@pytest.fixture
def arec(gateway: GraphQLClient) -> PinProgramme:
    return build_programme(gateway, "arec", mentees=2)


@pytest.fixture
def cniea(gateway: GraphQLClient) -> PinProgramme:
    return build_programme(gateway, "cniea", mentees=1)


def _register(gateway: GraphQLClient, pin: PinProgramme, activity: str, person: str) -> int:
    data = gateway.data(REGISTER, {"activity": activity, "person": person}, token=pin.token)
    return int(data["registerForActivity"]["position"])


def _sharing(gateway: GraphQLClient, pin: PinProgramme, person: str, *, given: bool) -> int:
    data = gateway.data(GIVE if given else WITHDRAW, {"person": person}, token=pin.token)
    return int(next(iter(data.values()))["position"])


def _seen(gateway: GraphQLClient, token: str, activity: str, at: int) -> list[dict[str, Any]]:
    """The activity as one viewer reads it, alone and in the list of every activity."""
    alone = gateway.data(ONE, {"id": activity, "at": at}, token=token)["sharedActivity"]
    listed = gateway.data(ALL, {"at": at}, token=token)["sharedActivities"]
    return [alone, next(a for a in listed if a["id"] == activity)]


def test_another_pins_count_leaves_out_a_person_who_withdrew_sharing(
    gateway: GraphQLClient, arec: PinProgramme, cniea: PinProgramme
) -> None:
    """cniea hosts; arec registers two mentees, one of whom then withdraws consent to sharing."""
    hosted = gateway.data(HOST, token=cniea.token)["hostSharedActivity"]
    activity = str(hosted["sharedActivity"]["id"])
    _register(gateway, cniea, activity, cniea.mentee_ids[0])
    withdrawing, staying = arec.mentee_ids
    _register(gateway, arec, activity, withdrawing)
    _register(gateway, arec, activity, staying)

    at = _sharing(gateway, arec, withdrawing, given=False)

    viewers = {
        "the host": cniea.token,
        "the host's mentor": gateway.token(Role.MENTOR, tenant="cniea", subject=cniea.mentor_id),
        "the network": gateway.token(Role.NETWORK, tenant=None, subject="imn"),
        "the funder": gateway.token(Role.FUNDER, tenant=None, subject="allies"),
    }
    for viewer, token in viewers.items():
        for seen in _seen(gateway, token, activity, at):
            assert (viewer, seen["registrationCount"]) == (viewer, 2)
            assert (viewer, len(seen["registrations"])) == (viewer, 2)
    for seen in _seen(gateway, arec.token, activity, at):  # the person's own PIN
        assert seen["registrationCount"] == len(seen["registrations"]) == 3
        assert sum(r["ownMember"] for r in seen["registrations"]) == 2


def test_the_count_in_a_registrations_answer_leaves_the_person_out_too(
    gateway: GraphQLClient, arec: PinProgramme, cniea: PinProgramme
) -> None:
    hosted = gateway.data(HOST, token=cniea.token)["hostSharedActivity"]
    activity = str(hosted["sharedActivity"]["id"])
    _register(gateway, arec, activity, arec.mentee_ids[0])
    _sharing(gateway, arec, arec.mentee_ids[0], given=False)

    answer = gateway.data(
        REGISTER, {"activity": activity, "person": cniea.mentee_ids[0]}, token=cniea.token
    )["registerForActivity"]["sharedActivity"]

    assert answer["registrationCount"] == len(answer["registrations"]) == 1
    assert [r["ownMember"] for r in answer["registrations"]] == [True]


def test_the_count_comes_back_when_the_person_gives_consent_again(
    gateway: GraphQLClient, arec: PinProgramme, cniea: PinProgramme
) -> None:
    hosted = gateway.data(HOST, token=cniea.token)["hostSharedActivity"]
    activity = str(hosted["sharedActivity"]["id"])
    person = arec.mentee_ids[0]
    _register(gateway, arec, activity, person)
    at = _sharing(gateway, arec, person, given=False)
    hidden = _seen(gateway, cniea.token, activity, at)

    at = _sharing(gateway, arec, person, given=True)

    assert [a["registrationCount"] for a in hidden] == [0, 0]
    for seen in _seen(gateway, cniea.token, activity, at):
        assert seen["registrationCount"] == len(seen["registrations"]) == 1
