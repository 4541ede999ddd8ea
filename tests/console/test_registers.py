"""The registers of mentees and mentors: search, filters, pages, and a page per person."""

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


ENROL_MENTEE = """
mutation($name: String!, $profession: String!, $languages: [String!]!) {
  enrolMentee(input: {name: $name, profession: $profession, origin: "Romania",
                      languages: $languages, englishLevel: ADVANCED, enrolledOn: "2024-01-02",
                      email: "someone@example.org", goals: "A P.Eng licence"}) { mentee { id } }
}"""
ENROL_MENTOR = """
mutation($name: String!) {
  enrolMentor(input: {name: $name, profession: "Engineering", languages: ["Romanian"],
                      culturalBackground: "Romanian", licenceStatus: LICENSED}) { mentor { id } }
}"""


def _enrol(browser: Browser, tenant: str, name: str, profession: str, *languages: str) -> str:
    variables = {"name": name, "profession": profession, "languages": list(languages)}
    data = browser.graphql(ENROL_MENTEE, variables, token=browser.token(tenant=tenant))
    ident: str = data["enrolMentee"]["mentee"]["id"]
    return ident


def test_the_mentee_register_searches_by_name_and_filters(browser: Browser) -> None:
    _enrol(browser, "arec", "Ioana Marin", "Engineering", "Romanian", "English")
    _enrol(browser, "arec", "Mihai Ionescu", "Accounting", "Romanian")
    _enrol(browser, "arec", "Ana Popa", "Engineering", "French")
    browser.sign_in()

    everyone = text_of(browser.get("/mentees").text)
    assert "3 found" in everyone
    assert "Ioana Marin Engineering Romania Romanian, English advanced 2024-01-02" in everyone

    by_name = text_of(browser.get("/mentees", params={"q": "ionescu"}).text)
    assert "1 found" in by_name
    assert "Mihai Ionescu" in by_name
    assert "Ioana Marin" not in by_name

    by_profession = text_of(browser.get("/mentees", params={"profession": "Engineering"}).text)
    assert "2 found" in by_profession
    assert "Mihai Ionescu" not in by_profession

    assert "0 found" in text_of(browser.get("/mentees", params={"q": "%"}).text)
    assert "0 found" in text_of(browser.get("/mentees", params={"q": "_"}).text)

    by_language = text_of(browser.get("/mentees", params={"language": "French"}).text)
    assert "1 found" in by_language
    assert "Ana Popa" in by_language


def test_the_register_pages_through_the_api_cursors(browser: Browser) -> None:
    for n in range(30):
        _enrol(browser, "arec", f"Mentee {n:02d}", "Engineering", "Romanian")
    browser.sign_in()
    first = browser.get("/mentees", params={"profession": "Engineering"}).text
    assert "30 found" in text_of(first)
    assert len(re.findall(r'href="/mentees/[0-9a-f-]{36}"', first)) == 25
    following = re.search(r'href="(/mentees\?[^"]*after=[^"]+)">Next page', first)
    assert following
    assert "profession=Engineering" in following.group(1)
    second = browser.get(following.group(1).replace("&amp;", "&")).text
    assert len(re.findall(r'href="/mentees/[0-9a-f-]{36}"', second)) == 5
    assert "Next page" not in second


def test_a_mentee_page_shows_what_the_pin_holds(browser: Browser) -> None:
    mentee = _enrol(browser, "arec", "Ioana Marin", "Engineering", "Romanian")
    browser.sign_in()
    page = text_of(browser.get(f"/mentees/{mentee}").text)
    assert "Ioana Marin" in page
    assert "someone@example.org" in page
    assert "A P.Eng licence" in page


def test_another_pins_mentee_is_not_found_and_not_shown(browser: Browser) -> None:
    secret = _enrol(browser, "iccc", "Priya Sharma", "Accounting", "Hindi")
    mentor = browser.graphql(
        ENROL_MENTOR, {"name": "Vikram Rao"}, token=browser.token(tenant="iccc")
    )
    browser.sign_in(tenant="arec")
    for path in (
        f"/mentees/{secret}",
        f"/mentors/{mentor['enrolMentor']['mentor']['id']}",
        "/mentees/00000000-0000-0000-0000-000000000000",
        "/mentees/not-an-id",
    ):
        page = browser.get(path)
        assert page.status_code == 404, path
        assert "Not found" in text_of(page.text)
        assert "Priya" not in page.text
        assert "Vikram" not in page.text
    searched = text_of(browser.get("/mentees", params={"q": "Sharma"}).text)
    assert "0 found" in searched
    assert "Nobody matches." in searched


def test_the_mentor_register_lists_mentors(browser: Browser) -> None:
    browser.graphql(ENROL_MENTOR, {"name": "Radu Pop"}, token=browser.token())
    browser.sign_in()
    page = text_of(browser.get("/mentors").text)
    assert "1 found" in page
    assert "Radu Pop Engineering Romanian Romanian licensed 1" in page


def test_a_funder_may_not_open_the_registers(browser: Browser) -> None:
    browser.sign_in(Role.FUNDER, None)
    page = browser.get("/mentees")
    assert page.status_code == 403
    assert "Your role may not use this page." in text_of(page.text)
