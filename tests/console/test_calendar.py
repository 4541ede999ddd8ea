"""A group's sessions as an iCalendar file (RFC 5545): the serializer (escaping, folding, CRLF)
and the download, parsed back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from gateway.console.calendar import calendar, escape_text, event, file_name, fold
from services.context import Role
from tests.console.conftest import Browser, text_of
from tests.console.test_sessions import Team, team

STAMP = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


def parse(text: str) -> list[dict[str, str]]:
    """The components of an iCalendar text, each a dict of property (with parameters) to value;
    checks the physical lines on the way: CRLF only, none longer than 75 octets."""
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    assert all("\n" not in line and "\r" not in line for line in physical)
    assert all(len(line.encode()) <= 75 for line in physical), "a line is not folded"
    lines = text[:-2].replace("\r\n ", "").split("\r\n")
    components: list[dict[str, str]] = []
    stack: list[dict[str, str]] = []
    for line in lines:
        name, _, value = line.partition(":")
        if name == "BEGIN":
            stack.append({"BEGIN": value})
        elif name == "END":
            done = stack.pop()
            assert done["BEGIN"] == value
            components.append(done)
        else:
            stack[-1][name] = value
    assert not stack
    return components


def test_text_is_escaped() -> None:
    assert escape_text("CVs; cover letters, and\\or\r\nnetworking") == (
        "CVs\\; cover letters\\, and\\\\or\\nnetworking"
    )
    assert unescape(escape_text("a;b,c\\d\ne")) == "a;b,c\\d\ne"


def test_long_lines_are_folded_at_75_octets_never_inside_a_character() -> None:
    ascii_line = "DESCRIPTION:" + "x" * 200
    wide_line = "SUMMARY:" + "ăîșțâ€😀" * 20

    for line in (ascii_line, wide_line):
        folded = fold(line)
        parts = folded.split("\r\n")
        assert len(parts) > 1
        assert all(len(part.encode()) <= 75 for part in parts)
        assert all(part.startswith(" ") for part in parts[1:])
        assert folded.replace("\r\n ", "") == line  # unfolding gives the line back
    assert len(fold(ascii_line).split("\r\n")[0].encode()) == 75
    assert fold("SHORT:line") == "SHORT:line"


def test_an_event_on_a_day_or_at_a_time() -> None:
    whole_day = event("u1@x", "Group, session 1", STAMP, day=date(2026, 12, 24), description="a")
    timed = event(
        "u2@x",
        "Session 2",
        STAMP,
        starts=datetime(2026, 12, 24, 18, tzinfo=UTC),
        location="Room 4; 2nd floor",
    )
    found = parse(calendar("Ana's group", [whole_day, timed]))

    first, second, cal = found
    assert cal["BEGIN"] == "VCALENDAR"
    assert cal["VERSION"] == "2.0"
    assert "PRODID" in cal
    assert first["DTSTART;VALUE=DATE"] == "20261224"
    assert first["DTEND;VALUE=DATE"] == "20261225"
    assert first["DTSTAMP"] == "20261201T093000Z"
    assert unescape(first["SUMMARY"]) == "Group, session 1"
    assert second["DTSTART"] == "20261224T180000Z"
    assert second["DTEND"] == "20261224T200000Z"
    assert unescape(second["LOCATION"]) == "Room 4; 2nd floor"
    with pytest.raises(ValueError, match="a day or a start time"):
        event("u3@x", "Nowhen", STAMP)


def test_the_file_name_is_plain_ascii() -> None:
    assert file_name("Ana Popescu's group") == "ana-popescu-s-group-sessions.ics"
    assert file_name("Șțî") == "group-sessions.ics"


@pytest.fixture
def ana(browser: Browser) -> Team:
    """arec's group with two sessions, one with an agenda to escape."""
    made = team(browser, "arec", "Ana Popescu", 2)
    token = browser.token(Role.COORDINATOR, "arec")
    today = date.today()
    for on, agenda in (
        (today, "Introductions"),
        (today + timedelta(days=14), "CVs; letters, " * 8),
    ):
        browser.graphql(
            "mutation($g: ID!, $on: Date!, $a: String!) { scheduleSession(input: "
            "{groupId: $g, scheduledOn: $on, agenda: $a}) { position } }",
            {"g": made.group, "on": str(on), "a": agenda},
            token=token,
        )
    return made


def test_a_groups_sessions_download_as_a_calendar(browser: Browser, ana: Team) -> None:
    browser.sign_in()
    today = date.today()

    answer = browser.get(f"/groups/{ana.group}/sessions.ics")
    later = browser.get(f"/groups/{ana.group}/sessions.ics")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="ana-popescu-s-group-sessions.ics"'
    )
    *events, cal = parse(answer.content.decode())
    assert cal["BEGIN"] == "VCALENDAR"
    assert unescape(cal["X-WR-CALNAME"]) == "Ana Popescu's group"
    assert [e["BEGIN"] for e in events] == ["VEVENT", "VEVENT"]
    assert [e["DTSTART;VALUE=DATE"] for e in events] == [
        f"{today:%Y%m%d}",
        f"{today + timedelta(days=14):%Y%m%d}",
    ]
    assert [e["DTEND;VALUE=DATE"] for e in events] == [
        f"{today + timedelta(days=1):%Y%m%d}",
        f"{today + timedelta(days=15):%Y%m%d}",
    ]
    assert [unescape(e["SUMMARY"]) for e in events] == [
        "Ana Popescu's group: session 1",
        "Ana Popescu's group: session 2",
    ]
    assert unescape(events[1]["DESCRIPTION"]) == ("CVs; letters, " * 8).strip()
    assert all(datetime.strptime(e["DTSTAMP"], "%Y%m%dT%H%M%SZ") for e in events)
    uids = [e["UID"] for e in events]
    assert len(set(uids)) == 2
    assert all(ana.group in uid for uid in uids)
    assert [e["UID"] for e in parse(later.content.decode())[:-1]] == uids  # stable


def test_the_groups_mentor_may_download_it_too(browser: Browser, ana: Team) -> None:
    other = team(browser, "arec", "Radu Ionescu", 1)
    token = browser.token(Role.MENTOR, "arec", subject=ana.mentor)
    browser.get("/auth/dev", params={"token": token})

    own = browser.get(f"/groups/{ana.group}/sessions.ics")
    theirs = browser.get(f"/groups/{other.group}/sessions.ics")

    assert own.status_code == 200
    assert own.content.count(b"BEGIN:VEVENT") == 2
    assert theirs.status_code == 404


@pytest.mark.parametrize("which", ["other_pin", "unknown", "not-an-id"])
def test_another_pins_calendar_is_not_found(browser: Browser, which: str) -> None:
    priya = team(browser, "iccc", "Priya Shah", 1)
    group = {
        "other_pin": priya.group,
        "unknown": "00000000-0000-4000-8000-000000000000",
        "not-an-id": "not-an-id",
    }[which]
    browser.sign_in()

    answer = browser.get(f"/groups/{group}/sessions.ics")

    assert answer.status_code == 404
    assert "Not found" in text_of(answer.text)
    assert "Priya Shah" not in answer.text
    assert "BEGIN:VCALENDAR" not in answer.text


def test_a_funder_has_no_group_calendars(browser: Browser, ana: Team) -> None:
    browser.sign_in(Role.FUNDER, None)

    assert browser.get(f"/groups/{ana.group}/sessions.ics").status_code == 403
