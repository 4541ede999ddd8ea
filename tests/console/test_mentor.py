"""A mentor in the console: their groups only (another group is "not found"), a group's
sessions, and attendance taken in the phone form."""

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
                      culturalBackground: "Romanian"}) { mentor { id } position }
}"""
ENROL_MENTEE = """
mutation($name: String!, $on: Date!) {
  enrolMentee(input: {name: $name, profession: "Engineering", origin: "Romania",
                      languages: ["Romanian"], englishLevel: INTERMEDIATE, enrolledOn: $on}) {
    mentee { id } position
  }
}"""
PLAN = """
mutation($starts: Date!, $ends: Date!) {
  planCohort(input: {name: "Spring round", startsOn: $starts, endsOn: $ends}) { cohort { id } }
}"""
START = "mutation($id: ID!) { startCohort(cohortId: $id) { position } }"
FORM = """
mutation($cohort: ID!, $mentor: ID!, $name: String!) {
  formGroup(input: {cohortId: $cohort, mentorId: $mentor, name: $name}) { group { id } }
}"""
ADD = "mutation($g: ID!, $m: ID!) { addMenteeToGroup(groupId: $g, menteeId: $m) { position } }"
SCHEDULE = """
mutation($g: ID!, $on: Date!, $agenda: String!) {
  scheduleSession(input: {groupId: $g, scheduledOn: $on, agenda: $agenda}) { position }
}"""
SESSIONS = """
query($id: ID!, $after: Int) {
  group(id: $id, consistentWith: $after) {
    sessions { number held attendance { menteeId present } }
  }
}"""


@dataclass
class Programme:
    mentor: str
    own_group: str
    other_group: str
    other_pin_group: str
    mentees: dict[str, str]
    """Name -> id of the mentees in the mentor's own group."""


def _group(browser: Browser, pin: str, mentor_name: str, mentees: list[str]) -> tuple[str, str]:
    """A running cohort of ``pin`` with a group led by a new mentor; (mentor id, group id)."""
    token = browser.token(Role.COORDINATOR, pin)
    today = date.today()
    mentor = browser.graphql(ENROL_MENTOR, {"name": mentor_name}, token=token)["enrolMentor"]
    cohort = browser.graphql(
        PLAN,
        {"starts": str(today - timedelta(days=30)), "ends": str(today + timedelta(days=60))},
        token=token,
    )["planCohort"]["cohort"]["id"]
    browser.graphql(START, {"id": cohort}, token=token)
    group = browser.graphql(
        FORM,
        {"cohort": cohort, "mentor": mentor["mentor"]["id"], "name": mentor_name + "'s group"},
        token=token,
    )["formGroup"]["group"]["id"]
    for name in mentees:
        enrolled = browser.graphql(
            ENROL_MENTEE, {"name": name, "on": str(today - timedelta(days=40))}, token=token
        )["enrolMentee"]
        browser.graphql(ADD, {"g": group, "m": enrolled["mentee"]["id"]}, token=token)
    return mentor["mentor"]["id"], group


def _sessions(browser: Browser, group: str) -> list[dict[str, Any]]:
    token = browser.token(Role.COORDINATOR, "arec")
    found: list[dict[str, Any]] = browser.graphql(SESSIONS, {"id": group}, token=token)["group"][
        "sessions"
    ]
    return found


@pytest.fixture
def programme(browser: Browser) -> Programme:
    mentor, group = _group(browser, "arec", "Ana Popescu", ["Ion Marin", "Elena Dobre"])
    _, other = _group(browser, "arec", "Radu Ionescu", ["Mihai Stan"])
    _, iccc = _group(browser, "iccc", "Priya Shah", ["Arjun Rao"])
    token = browser.token(Role.COORDINATOR, "arec")
    today = date.today()
    for on, agenda in ((today, "Introductions"), (today + timedelta(days=14), "CVs")):
        browser.graphql(SCHEDULE, {"g": group, "on": str(on), "agenda": agenda}, token=token)
    members = browser.graphql(
        "query($id: ID!) { group(id: $id) { mentees { id name } } }", {"id": group}, token=token
    )["group"]["mentees"]
    return Programme(mentor, group, other, iccc, {m["name"]: m["id"] for m in members})


def sign_in_as_mentor(browser: Browser, mentor: str) -> None:
    token = browser.token(Role.MENTOR, "arec", subject=mentor)
    assert browser.get("/auth/dev", params={"token": token}).status_code == 200


def test_a_mentor_sees_their_group_and_its_sessions(browser: Browser, programme: Programme) -> None:
    sign_in_as_mentor(browser, programme.mentor)

    groups = browser.get("/mentor")
    group = browser.get(f"/mentor/groups/{programme.own_group}")

    assert "Ana Popescu's group" in text_of(groups.text)
    assert "Radu Ionescu's group" not in text_of(groups.text)
    assert f'href="/mentor/groups/{programme.own_group}"' in groups.text
    shown = text_of(group.text)
    assert "Ion Marin" in shown
    assert "Elena Dobre" in shown
    assert "Mihai Stan" not in shown
    assert f"Session 1 · {date.today()}" in shown
    assert "Take attendance for session 1" in shown
    assert "Take attendance for session 2" not in shown  # its day has not come
    assert 'href="/mentor"' in browser.get("/").text  # "My groups" is on the mentor's menu


@pytest.mark.parametrize("which", ["other_group", "other_pin_group", "unknown", "not-an-id"])
def test_any_other_group_is_not_found(browser: Browser, programme: Programme, which: str) -> None:
    group = {
        "other_group": programme.other_group,
        "other_pin_group": programme.other_pin_group,
        "unknown": "00000000-0000-4000-8000-000000000000",
        "not-an-id": "not-an-id",
    }[which]
    sign_in_as_mentor(browser, programme.mentor)

    for path in (f"/mentor/groups/{group}", f"/mentor/groups/{group}/sessions/1"):
        page = browser.get(path)
        assert page.status_code == 404, path
        assert "Not found" in text_of(page.text)
        assert "Mihai Stan" not in page.text
        assert "Arjun Rao" not in page.text
    refused = browser.post(f"/mentor/groups/{group}/sessions/1", {"m-x": "present"})
    assert refused.status_code == 404


def test_a_mentor_takes_attendance_on_the_phone_form(
    browser: Browser, programme: Programme
) -> None:
    sign_in_as_mentor(browser, programme.mentor)
    ion, elena = programme.mentees["Ion Marin"], programme.mentees["Elena Dobre"]

    form = browser.get(f"/mentor/groups/{programme.own_group}/sessions/1")
    assert form.status_code == 200
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in form.text
    for mentee in (ion, elena):  # one labelled choice per mentee, large tap targets
        assert f'<label class="button secondary" for="m-{mentee}-present">' in form.text
        assert f'<label class="button secondary" for="m-{mentee}-absent">' in form.text
    assert "<legend>Ion Marin</legend>" in form.text
    key = re.search(r'name="idempotency_key" value="(\w+)"', form.text)
    assert key

    saved = browser.post(
        f"/mentor/groups/{programme.own_group}/sessions/1",
        {f"m-{ion}": "present", f"m-{elena}": "absent", "idempotency_key": key.group(1)},
    )

    assert saved.status_code == 200  # redirected to the group's page
    assert str(saved.url).endswith(f"/mentor/groups/{programme.own_group}")
    assert "Attendance of session 1 saved: 1 present, 1 absent." in text_of(saved.text)
    assert "Held: 1 present, 1 absent." in text_of(saved.text)
    session = _sessions(browser, programme.own_group)[0]
    assert session["held"] is True
    assert {a["menteeId"]: a["present"] for a in session["attendance"]} == {
        ion: True,
        elena: False,
    }
    again = browser.get(f"/mentor/groups/{programme.own_group}/sessions/1").text
    assert re.search(rf'id="m-{ion}-present" name="m-{ion}" value="present" checked', again)


def test_attendance_needs_a_choice_and_its_day(browser: Browser, programme: Programme) -> None:
    sign_in_as_mentor(browser, programme.mentor)

    empty = browser.post(f"/mentor/groups/{programme.own_group}/sessions/1", {})
    future = browser.get(f"/mentor/groups/{programme.own_group}/sessions/2")

    assert empty.status_code == 400
    assert "Choose present or absent for at least one mentee." in text_of(empty.text)
    assert _sessions(browser, programme.own_group)[0]["held"] is False
    assert "take attendance from that day" in text_of(future.text)
    assert '<form method="post" action="/mentor' not in future.text
