"""A coordinator runs a group's sessions in the console: schedules one, records it held, and
takes attendance in the phone form (the one the mentor's page uses)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from services.context import Role
from tests.console.conftest import Browser, text_of
from tests.console.test_groups import running_round

FORM = """
mutation($cohort: ID!, $mentor: ID!, $name: String!) {
  formGroup(input: {cohortId: $cohort, mentorId: $mentor, name: $name}) { group { id } }
}"""
ADD = "mutation($g: ID!, $m: ID!) { addMenteeToGroup(groupId: $g, menteeId: $m) { position } }"
SESSIONS = """
query($id: ID!) {
  group(id: $id) { sessions { number scheduledOn agenda held attendance { menteeId present } } }
}"""


@dataclass
class Team:
    group: str
    mentor: str
    mentees: dict[str, str]


def team(browser: Browser, pin: str, mentor: str, mentees: int) -> Team:
    """A group of ``pin`` in a running round, formed through the API."""
    made = running_round(browser, pin, [mentor], mentees)
    token = browser.token(Role.COORDINATOR, pin)
    group = browser.graphql(
        FORM,
        {"cohort": made.cohort, "mentor": made.mentors[mentor], "name": f"{mentor}'s group"},
        token=token,
    )["formGroup"]["group"]["id"]
    for mentee in made.mentees.values():
        browser.graphql(ADD, {"g": group, "m": mentee}, token=token)
    return Team(group, made.mentors[mentor], made.mentees)


def sessions_of(browser: Browser, group: str, pin: str = "arec") -> list[dict[str, Any]]:
    token = browser.token(Role.COORDINATOR, pin)
    found: list[dict[str, Any]] = browser.graphql(SESSIONS, {"id": group}, token=token)["group"][
        "sessions"
    ]
    return found


@pytest.fixture
def ana(browser: Browser) -> Team:
    return team(browser, "arec", "Ana Popescu", 3)


def schedule(browser: Browser, group: str, on: date, agenda: str) -> Any:
    return browser.post(
        f"/groups/{group}/sessions",
        {"scheduledOn": str(on), "agenda": agenda, "form_key": f"s{on:%Y%m%d}"},
    )


def test_a_coordinator_schedules_sessions_and_records_one_held(browser: Browser, ana: Team) -> None:
    browser.sign_in()
    today = date.today()
    page = browser.get(f"/groups/{ana.group}")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "Ana Popescu" in shown
    assert all(name in shown for name in ana.mentees)
    assert '<label for="f-scheduledOn">Date</label>' in page.text

    first = schedule(browser, ana.group, today, "Introductions")
    second = schedule(browser, ana.group, today + timedelta(days=14), "CVs, and cover letters")

    assert first.status_code == 200
    assert str(first.url).endswith(f"/groups/{ana.group}")
    assert f"Session 1 is scheduled on {today}." in text_of(first.text)
    assert f"Session 2 is scheduled on {today + timedelta(days=14)}." in text_of(second.text)
    assert [(s["number"], s["agenda"]) for s in sessions_of(browser, ana.group)] == [
        (1, "Introductions"),
        (2, "CVs, and cover letters"),
    ]
    assert "Record session 1 as held" in text_of(second.text)
    assert "Record session 2 as held" not in text_of(second.text)  # its day has not come
    assert f'href="/groups/{ana.group}/sessions.ics"' in second.text

    held = browser.post(f"/groups/{ana.group}/sessions/1/held", {"form_key": "held1"})
    early = browser.post(f"/groups/{ana.group}/sessions/2/held", {"form_key": "held2"})

    assert "Session 1 is recorded as held." in text_of(held.text)
    assert early.status_code == 400
    assert "Nothing was saved: Session 2 is scheduled for" in text_of(early.text)
    assert [s["held"] for s in sessions_of(browser, ana.group)] == [True, False]


def test_a_session_outside_the_round_is_refused_next_to_the_form(
    browser: Browser, ana: Team
) -> None:
    browser.sign_in()

    late = schedule(browser, ana.group, date.today() + timedelta(days=400), "Too late")
    undated = browser.post(f"/groups/{ana.group}/sessions", {"agenda": "When?", "form_key": "u"})

    assert late.status_code == 400
    assert "Nothing was saved:" in text_of(late.text)
    assert 'value="Too late"' in late.text  # what was typed is kept
    assert undated.status_code == 400
    assert "Give the session's date." in text_of(undated.text)
    assert sessions_of(browser, ana.group) == []


def test_attendance_is_taken_on_the_phone_form(browser: Browser, ana: Team) -> None:
    browser.sign_in()
    schedule(browser, ana.group, date.today(), "Introductions")
    first, second, third = ana.mentees.values()

    form = browser.get(f"/groups/{ana.group}/sessions/1/attendance")

    assert form.status_code == 200
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in form.text
    assert f'action="/groups/{ana.group}/sessions/1/attendance" class="attendance"' in form.text
    for mentee in ana.mentees.values():  # one fieldset per mentee, big labelled choices
        assert f'<label class="button secondary" for="m-{mentee}-present">' in form.text
        assert f'<label class="button secondary" for="m-{mentee}-absent">' in form.text
    assert "<legend>AREC Mentee 01</legend>" in form.text
    assert "Saving also records that the session took place." in text_of(form.text)
    key = re.search(r'name="idempotency_key" value="(\w+)"', form.text)
    assert key

    answer = {f"m-{first}": "present", f"m-{second}": "absent", f"m-{third}": "present"}
    saved = browser.post(
        f"/groups/{ana.group}/sessions/1/attendance", {**answer, "idempotency_key": key[1]}
    )
    again = browser.post(  # the same form sent twice: recorded once, same answer
        f"/groups/{ana.group}/sessions/1/attendance", {**answer, "idempotency_key": key[1]}
    )

    assert saved.status_code == 200
    assert str(saved.url).endswith(f"/groups/{ana.group}")
    assert "Attendance of session 1 saved: 2 present, 1 absent." in text_of(saved.text)
    assert "Held: 2 present, 1 absent." in text_of(saved.text)
    assert again.status_code == 200
    session = sessions_of(browser, ana.group)[0]
    assert session["held"] is True
    assert {a["menteeId"]: a["present"] for a in session["attendance"]} == {
        first: True,
        second: False,
        third: True,
    }
    shown = browser.get(f"/groups/{ana.group}/sessions/1/attendance").text
    assert re.search(rf'id="m-{second}-absent" name="m-{second}" value="absent" checked', shown)
    empty = browser.post(f"/groups/{ana.group}/sessions/1/attendance", {"idempotency_key": "e"})
    assert empty.status_code == 400
    assert "Choose present or absent for at least one mentee." in text_of(empty.text)


def test_attendance_waits_for_the_sessions_day(browser: Browser, ana: Team) -> None:
    browser.sign_in()
    schedule(browser, ana.group, date.today() + timedelta(days=7), "Later")

    page = browser.get(f"/groups/{ana.group}/sessions/1/attendance")

    assert "take attendance from that day" in text_of(page.text)
    assert 'class="attendance"' not in page.text


@pytest.mark.parametrize("which", ["other_pin", "unknown", "not-an-id"])
def test_another_pins_group_and_its_sessions_are_not_found(browser: Browser, which: str) -> None:
    priya = team(browser, "iccc", "Priya Shah", 1)
    token = browser.token(Role.COORDINATOR, "iccc")
    browser.graphql(
        "mutation($g: ID!, $on: Date!) { scheduleSession(input: {groupId: $g, scheduledOn: $on, "
        'agenda: "Welcome"}) { position } }',
        {"g": priya.group, "on": str(date.today())},
        token=token,
    )
    group = {
        "other_pin": priya.group,
        "unknown": "00000000-0000-4000-8000-000000000000",
        "not-an-id": "not-an-id",
    }[which]
    browser.sign_in()  # arec's coordinator

    for path in (f"/groups/{group}", f"/groups/{group}/sessions/1/attendance"):
        page = browser.get(path)
        assert page.status_code == 404, path
        assert "Not found" in text_of(page.text)
        assert "Priya Shah" not in page.text
        assert "ICCC Mentee" not in page.text
    posts = {
        f"/groups/{group}/sessions": {"scheduledOn": str(date.today()), "agenda": "x"},
        f"/groups/{group}/sessions/1/held": {},
        f"/groups/{group}/sessions/1/attendance": {
            f"m-{m}": "absent" for m in priya.mentees.values()
        },
    }
    for path, data in posts.items():
        assert browser.post(path, data).status_code == 404, path
    session = sessions_of(browser, priya.group, "iccc")
    assert len(session) == 1
    assert session[0]["held"] is False


def test_an_unknown_session_is_not_found(browser: Browser, ana: Team) -> None:
    browser.sign_in()

    for number in ("9", "x", "01"):
        page = browser.get(f"/groups/{ana.group}/sessions/{number}/attendance")
        assert page.status_code == 404
        assert "Not found" in text_of(page.text)
        assert browser.post(f"/groups/{ana.group}/sessions/{number}/held", {}).status_code == 404


def test_session_forms_without_the_csrf_token_are_refused(browser: Browser, ana: Team) -> None:
    browser.sign_in()
    schedule(browser, ana.group, date.today(), "Introductions")
    first = next(iter(ana.mentees.values()))

    for path, data in (
        (f"/groups/{ana.group}/sessions", {"scheduledOn": str(date.today()), "agenda": "x"}),
        (f"/groups/{ana.group}/sessions/1/held", {}),
        (f"/groups/{ana.group}/sessions/1/attendance", {f"m-{first}": "present"}),
    ):
        refused = browser.client.post(path, data=data)
        assert refused.status_code == 403, path
        assert "The form has expired" in text_of(refused.text)
    assert [s["held"] for s in sessions_of(browser, ana.group)] == [False]
