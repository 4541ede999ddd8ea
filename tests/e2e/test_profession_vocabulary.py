"""Over HTTP: a mentee's or mentor's profession must be one their PIN lists.

An unlisted (or differently spelled) profession would make a cell of its own in the
statistics every PIN reads, so a coordinator can enrol people only in their PIN's professions.
"""

from __future__ import annotations

from typing import Any

import pytest

from services.context import Role
from tests.conftest import GraphQLClient
from tests.e2e.conftest import PinProgramme, build_programme

REGISTER_PIN = """mutation($slug: String!, $professions: [String!]!) {
  registerPin(input: {slug: $slug, name: "CNIEA", communities: ["Iraqi"],
                      professions: $professions}) { position }
}"""
ENROL_MENTEE = """mutation($profession: String!) {
  enrolMentee(input: {name: "Dana Lupu", profession: $profession, origin: "Romania",
                      languages: ["Romanian"], englishLevel: ADVANCED, enrolledOn: "2024-01-03"}) {
    mentee { id profession } position
  }
}"""
ENROL_MENTOR = """mutation($profession: String!) {
  enrolMentor(input: {name: "Radu Marin", profession: $profession, languages: ["Romanian"],
                      culturalBackground: "Romanian"}) {
    mentor { id profession } position
  }
}"""
MENTEES = """{ mentees(first: 50) { edges { node { profession } } } }"""


@pytest.fixture
def arec(gateway: GraphQLClient) -> PinProgramme:
    """arec lists Engineering only; cniea (another PIN) lists other professions."""
    admin = gateway.token(Role.ADMIN, tenant=None, subject="platform-admin")
    gateway.data(
        REGISTER_PIN,
        {"slug": "cniea", "professions": ["Architecture", "Urban planning"]},
        token=admin,
    )
    return build_programme(gateway, "arec", mentees=0)


def _refusal(gateway: GraphQLClient, document: str, profession: str, token: str) -> dict[str, Any]:
    body = gateway.execute(document, {"profession": profession}, token=token)
    assert body["data"] is None, body
    [error] = body["errors"]
    return dict(error)


@pytest.mark.parametrize("document", [ENROL_MENTEE, ENROL_MENTOR], ids=["mentee", "mentor"])
def test_a_profession_the_pin_does_not_list_is_refused_with_the_ones_it_lists(
    gateway: GraphQLClient, arec: PinProgramme, document: str
) -> None:
    for unlisted in ("Underwater basket weaving", "Architecture", "Basket weaving / Engineering"):
        error = _refusal(gateway, document, unlisted, arec.token)

        assert error["extensions"]["code"] == "BAD_INPUT"
        assert error["message"].startswith("profession must be one that AREC lists (Engineering)")
        assert "Urban planning" not in error["message"]  # nothing of another PIN
    mentees = gateway.data(MENTEES, token=arec.token)["mentees"]["edges"]
    assert mentees == []


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Engineering", "Engineering"),
        ("  ENGINEERING ", "Engineering"),
        ("engineering/Civil", "Engineering / Civil"),
        ("Engineering  /  Structural   design", "Engineering / Structural design"),
    ],
)
def test_a_listed_profession_is_kept_in_the_pins_spelling_with_its_sub_field(
    gateway: GraphQLClient, arec: PinProgramme, typed: str, kept: str
) -> None:
    mentee = gateway.data(ENROL_MENTEE, {"profession": typed}, token=arec.token)
    mentor = gateway.data(ENROL_MENTOR, {"profession": typed}, token=arec.token)

    assert mentee["enrolMentee"]["mentee"]["profession"] == kept
    assert mentor["enrolMentor"]["mentor"]["profession"] == kept
