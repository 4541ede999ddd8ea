"""A small programme built through the GraphQL API itself: two PINs, a cohort, a group."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from services.context import Role
from tests.conftest import GraphQLClient

REGISTER_PIN = """
mutation($slug: String!, $name: String!) {
  registerPin(input: {slug: $slug, name: $name, communities: ["Romanian"], professions: ["Engineering"]}) {
    pin { slug } position
  }
}"""

ENROL_MENTOR = """
mutation($name: String!) {
  enrolMentor(input: {name: $name, profession: "Engineering", languages: ["Romanian", "English"],
                      culturalBackground: "Romanian", licenceStatus: LICENSED}) {
    mentor { id } position
  }
}"""

ENROL_MENTEE = """
mutation($name: String!, $email: String) {
  enrolMentee(input: {name: $name, email: $email, profession: "Engineering", origin: "Romania",
                      languages: ["Romanian"], englishLevel: INTERMEDIATE, enrolledOn: "2024-01-02"}) {
    mentee { id name } position
  }
}"""

PLAN_COHORT = """
mutation {
  planCohort(input: {name: "Pilot 2024", startsOn: "2024-01-08", endsOn: "2024-04-30"}) {
    cohort { id } position
  }
}"""

FORM_GROUP = """
mutation($cohort: ID!, $mentor: ID!) {
  formGroup(input: {cohortId: $cohort, mentorId: $mentor, name: "Structural engineers"}) {
    group { id } position
  }
}"""

ADD_MENTEE = """
mutation($group: ID!, $mentee: ID!) {
  addMenteeToGroup(groupId: $group, menteeId: $mentee) {
    group { id menteeCount underMinimumSize } position
  }
}"""


@dataclass
class PinProgramme:
    slug: str
    token: str
    cohort_id: str
    mentor_id: str
    group_id: str
    mentee_ids: list[str] = field(default_factory=list)


def build_programme(client: GraphQLClient, slug: str, mentees: int) -> PinProgramme:
    admin = client.token(Role.ADMIN, tenant=None, subject="platform-admin")
    client.data(REGISTER_PIN, {"slug": slug, "name": slug.upper()}, token=admin)
    token = client.token(Role.COORDINATOR, tenant=slug, subject=f"{slug}-coordinator")
    mentor = client.data(ENROL_MENTOR, {"name": f"Mentor of {slug}"}, token=token)
    cohort = client.data(PLAN_COHORT, token=token)
    group = client.data(
        FORM_GROUP,
        {
            "cohort": cohort["planCohort"]["cohort"]["id"],
            "mentor": mentor["enrolMentor"]["mentor"]["id"],
        },
        token=token,
    )
    programme = PinProgramme(
        slug=slug,
        token=token,
        cohort_id=cohort["planCohort"]["cohort"]["id"],
        mentor_id=mentor["enrolMentor"]["mentor"]["id"],
        group_id=group["formGroup"]["group"]["id"],
    )
    for i in range(mentees):
        mentee = client.data(
            ENROL_MENTEE,
            {"name": f"{slug} mentee {i}", "email": f"{slug}{i}@example.org"},
            token=token,
        )
        mentee_id = mentee["enrolMentee"]["mentee"]["id"]
        client.data(ADD_MENTEE, {"group": programme.group_id, "mentee": mentee_id}, token=token)
        programme.mentee_ids.append(mentee_id)
    return programme


@pytest.fixture
def arec(gateway: GraphQLClient) -> PinProgramme:
    return build_programme(gateway, "arec", mentees=6)


@pytest.fixture
def cniea(gateway: GraphQLClient) -> PinProgramme:
    return build_programme(gateway, "cniea", mentees=5)
