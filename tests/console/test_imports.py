"""CSV import in the console: a preview with a problem per row, all or nothing, once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.context import Role
from services.settings import Settings
from tests.console.conftest import Browser, on_store, text_of


@pytest.fixture(params=["sqlite", "postgres"])
def console_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Both stores: the name search and the all-or-nothing save are SQL of each store's own."""
    with on_store(request.param, tmp_path) as settings:
        yield settings


HEADER = "name,email,profession,origin,languages,english level,enrolled on,goals\n"


def _mentees(count: int, *, bad_lines: dict[int, str] | None = None) -> str:
    rows = [
        f"Mentee {n},mentee{n}@example.org,Engineering,Romania,Romanian;English,"
        f"intermediate,2024-01-{n % 28 + 1:02d},A licence"
        for n in range(1, count + 1)
    ]
    for line, row in (bad_lines or {}).items():
        rows[line - 2] = row  # line 1 is the header
    return HEADER + "\n".join(rows) + "\n"


def _upload(browser: Browser, text: str, kind: str = "mentees") -> str:
    page = browser.post("/import", {"kind": kind}, files={"file": ("list.csv", text, "text/csv")})
    return page.text


def _confirm(browser: Browser, preview: str) -> str:
    text = re.search(r'name="text" value="([^"]*)"', preview)
    assert text, preview
    return browser.post("/import/confirm", {"kind": "mentees", "text": text.group(1)}).text


def _mentee_count(browser: Browser) -> int:
    found = re.search(r"(\d+) found", text_of(browser.get("/mentees").text))
    assert found
    return int(found.group(1))


def test_a_file_with_two_bad_rows_is_previewed_and_imports_nothing(browser: Browser) -> None:
    browser.sign_in()
    text = _mentees(
        30,
        bad_lines={
            5: "Mentee 4,m4@example.org,Dentistry,Romania,Romanian,basic,2024-01-02,",
            12: "Mentee 11,m11@example.org,Engineering,Romania,Romanian,basic,02/01/2024,",
        },
    )
    page = browser.post("/import", {"kind": "mentees"}, files={"file": ("l.csv", text, "text/csv")})
    assert page.status_code == 400
    shown = text_of(page.text)
    assert "2 of 30 rows have errors" in shown
    assert re.search(r"5 Mentee 4 profession must be one that AREC lists", shown)
    assert re.search(r"12 Mentee 11 enrolled on must be a date written YYYY-MM-DD", shown)
    assert "6 Mentee 5 OK" in shown
    assert 'action="/import/confirm"' not in page.text  # nothing to confirm

    # Sent anyway (a crafted request): the API refuses the whole file.
    encoded = __import__("base64").b64encode(text.encode()).decode()
    forced = browser.post("/import/confirm", {"kind": "mentees", "text": encoded})
    assert forced.status_code == 400
    assert "2 of 30 rows have errors" in text_of(forced.text)
    assert _mentee_count(browser) == 0


def test_a_good_file_imports_every_row_and_the_second_import_changes_nothing(
    browser: Browser,
) -> None:
    browser.sign_in()
    text = _mentees(30)
    preview = _upload(browser, text)
    assert "All 30 rows are ready to import." in text_of(preview)
    done = _confirm(browser, preview)
    assert "Imported 30 mentees." in text_of(done)
    assert "30 found" in text_of(done)

    again = _upload(browser, text)
    assert "This file was imported before" in text_of(again)
    assert 'action="/import/confirm"' not in again
    assert "nothing was changed" in text_of(_confirm(browser, preview))
    assert _mentee_count(browser) == 30


def test_a_file_without_a_required_column_is_refused_whole(browser: Browser) -> None:
    browser.sign_in()
    page = browser.post(
        "/import",
        {"kind": "mentees"},
        files={"file": ("l.csv", "name,email\nAna,ana@example.org\n", "text/csv")},
    )
    assert page.status_code == 400
    assert "The file lacks the columns: profession, origin, languages" in text_of(page.text)


IMPORT = """
mutation($rows: [MentorImportRow!]!, $dryRun: Boolean! = false) {
  importMentors(rows: $rows, dryRun: $dryRun) {
    rows imported alreadyImported problems { line message }
  }
}"""


def test_integrators_import_mentors_all_or_nothing_through_the_api(browser: Browser) -> None:
    token = browser.token()
    good = {
        "name": "Radu Pop",
        "profession": "Engineering",
        "languages": ["Romanian"],
        "culturalBackground": "Romanian",
        "licenceStatus": "licensed",
        "capacity": 2,
    }
    bad = {**good, "name": "Dana Ilie", "capacity": 9}
    report = browser.graphql(IMPORT, {"rows": [good, bad]}, token=token)["importMentors"]
    assert report == {
        "rows": 2,
        "imported": 0,
        "alreadyImported": False,
        "problems": [{"line": 2, "message": "capacity must be between 1 and 3 groups per round."}],
    }
    dry = browser.graphql(IMPORT, {"rows": [good], "dryRun": True}, token=token)["importMentors"]
    assert dry["imported"] == 0
    assert dry["problems"] == []
    first = browser.graphql(IMPORT, {"rows": [good]}, token=token)["importMentors"]
    assert first["imported"] == 1
    second = browser.graphql(IMPORT, {"rows": [good]}, token=token)["importMentors"]
    assert second == {"rows": 1, "imported": 0, "alreadyImported": True, "problems": []}
    mentors = browser.graphql("{ mentors { totalCount } }", token=token)
    assert mentors["mentors"]["totalCount"] == 1


def test_only_a_coordinator_imports(browser: Browser) -> None:
    browser.sign_in(Role.FUNDER, None)
    assert browser.get("/import").status_code == 403


def test_a_mentor_list_reports_a_capacity_that_is_no_number(browser: Browser) -> None:
    browser.sign_in()
    text = (
        "Name,Profession,Languages,Cultural background,Licence status,Capacity\n"
        "Radu Pop,Engineering,Romanian,Romanian,licensed,2\n"
        "Dana Ilie,Engineering,Romanian,Romanian,not started,two\n"
    )
    page = browser.post("/import", {"kind": "mentors"}, files={"file": ("m.csv", text, "text/csv")})
    assert page.status_code == 400
    shown = text_of(page.text)
    assert "1 of 2 rows have errors" in shown
    assert "2 Radu Pop OK" in shown
    assert "3 Dana Ilie capacity must be a whole number." in shown
