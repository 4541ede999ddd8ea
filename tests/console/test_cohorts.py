"""A coordinator plans, opens and closes cohorts in the console."""

from __future__ import annotations

import re

from tests.console.conftest import Browser, text_of

PLAN = {
    "name": "Pilot 2024",
    "startsOn": "2024-01-08",
    "endsOn": "2024-04-30",
    "plannedSessions": "5",
    "minGroupSize": "5",
    "maxGroupSize": "6",
}


def _cohort_id(page: str, name: str) -> str:
    found = re.search(r'href="/cohorts/([0-9a-f-]{36})/close" aria-label="Close: ' + name, page)
    assert found, page
    return found.group(1)


def test_a_coordinator_plans_opens_and_closes_a_cohort(browser: Browser) -> None:
    browser.sign_in()
    planned = browser.post("/cohorts", PLAN)
    assert planned.status_code == 200
    shown = text_of(planned.text)
    assert "The cohort Pilot 2024 is planned." in shown
    assert "Pilot 2024 2024-01-08 2024-04-30 planned 0 0" in shown
    cohort = _cohort_id(planned.text, "Pilot 2024")

    opened = browser.post(f"/cohorts/{cohort}/open")
    assert "The cohort Pilot 2024 is open." in text_of(opened.text)
    assert "Pilot 2024 2024-01-08 2024-04-30 open" in text_of(opened.text)

    confirmation = browser.get(f"/cohorts/{cohort}/close")
    assert "Close the cohort Pilot 2024?" in text_of(confirmation.text)
    assert "cannot be opened again" in text_of(confirmation.text)
    closed = browser.post(f"/cohorts/{cohort}/close")
    assert "The cohort Pilot 2024 is closed." in text_of(closed.text)
    assert "Pilot 2024 2024-01-08 2024-04-30 closed" in text_of(closed.text)


def test_a_refused_plan_shows_the_reason_and_keeps_what_was_typed(browser: Browser) -> None:
    browser.sign_in()
    page = browser.post("/cohorts", {**PLAN, "endsOn": "2023-12-01"})
    assert page.status_code == 400
    assert "Nothing was saved:" in text_of(page.text)
    assert 'value="Pilot 2024"' in page.text
    assert "No cohorts yet." in text_of(page.text)


def test_a_form_sent_twice_plans_one_cohort(browser: Browser) -> None:
    browser.sign_in()
    form_key = re.search(r'name="form_key" value="(\w+)"', browser.get("/cohorts").text)
    assert form_key
    for _ in range(2):
        browser.post("/cohorts", {**PLAN, "form_key": form_key.group(1)})
    assert "1 cohorts" in text_of(browser.get("/cohorts").text)


def test_another_pins_cohort_is_not_found(browser: Browser) -> None:
    browser.sign_in(tenant="iccc")
    page = browser.post("/cohorts", {**PLAN, "name": "ICCC secret round"})
    cohort = _cohort_id(page.text, "ICCC secret round")
    browser.post("/sign-out")

    browser.sign_in(tenant="arec")
    for answer in (
        browser.get(f"/cohorts/{cohort}/close"),
        browser.post(f"/cohorts/{cohort}/close"),
        browser.get("/cohorts/not-an-id/close"),
    ):
        assert answer.status_code == 404
        assert "Not found" in text_of(answer.text)
        assert "ICCC secret round" not in answer.text
    browser.sign_in(tenant="iccc")
    assert "ICCC secret round 2024-01-08 2024-04-30 planned" in text_of(
        browser.get("/cohorts").text
    )


def test_a_name_in_any_alphabet_comes_back_as_typed(browser: Browser) -> None:
    browser.sign_in()
    page = browser.post("/cohorts", {**PLAN, "name": "Școala de vară 2024 · été"})
    assert "The cohort Școala de vară 2024 · été is planned." in text_of(page.text)
