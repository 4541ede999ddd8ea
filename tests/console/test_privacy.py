"""Privacy actions in the console: the access export as a JSON file, consents given and
withdrawn, and erasure, which needs its confirmation and leaves the person's page saying so."""

from __future__ import annotations

import json

from tests.console.conftest import Browser, text_of
from tests.console.test_outcomes import ENROL_MENTOR, enrol


def test_the_access_export_downloads_as_json(browser: Browser) -> None:
    mentee = enrol(browser, "Ana Popa")
    browser.sign_in()

    answer = browser.get(f"/mentees/{mentee}/privacy/export")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.headers["cache-control"] == "no-store"
    document = answer.json()
    assert document["person"] == {**document["person"], "id": mentee, "erased": False}
    assert "Ana Popa" in answer.text


def test_consent_is_withdrawn_and_given_again(browser: Browser) -> None:
    mentee = enrol(browser, "Ana Popa")
    browser.sign_in()
    page = text_of(browser.get(f"/mentees/{mentee}/privacy").text)
    assert "follow-up contact after the round Given at enrolment" in page

    withdrawn = browser.post(
        f"/mentees/{mentee}/privacy/consents", {"purpose": "FOLLOW_UP", "state": "withdrawn"}
    )
    shown = text_of(withdrawn.text)
    assert "Consent to follow-up contact after the round recorded as withdrawn." in shown
    assert "follow-up contact after the round Withdrawn" in shown
    given = browser.post(
        f"/mentees/{mentee}/privacy/consents", {"purpose": "FOLLOW_UP", "state": "given"}
    )
    assert "follow-up contact after the round Given" in text_of(given.text)
    wrong = browser.post(f"/mentees/{mentee}/privacy/consents", {"purpose": "X", "state": "given"})
    assert wrong.status_code == 400


def test_erasure_needs_its_confirmation_and_then_the_export_says_erased(
    browser: Browser,
) -> None:
    mentee = enrol(browser, "Ana Popa")
    browser.sign_in()
    form = text_of(browser.get(f"/mentees/{mentee}/privacy/erase").text)
    assert "Erasure cannot be undone." in form
    assert "type the person's name (Ana Popa) or the word ERASE" in form

    for typed in ("", "Ana", "erase it"):
        refused = browser.post(f"/mentees/{mentee}/privacy/erase", {"confirmation": typed})
        assert refused.status_code == 400, typed
        assert "Nothing was erased" in text_of(refused.text)
    assert browser.get(f"/mentees/{mentee}/privacy/export").json()["person"]["erased"] is False

    erased = browser.post(f"/mentees/{mentee}/privacy/erase", {"confirmation": " ana  POPA "})

    page = text_of(erased.text)
    assert "The person was erased." in page
    assert "This person was erased on" in page
    assert "Privacy of [erased]" in page
    assert "Erase [erased]" not in page  # no second erasure, no consent buttons
    assert "Record consent" not in page
    export = browser.get(f"/mentees/{mentee}/privacy/export")
    assert export.json()["person"]["erased"] is True
    assert "Ana Popa" not in export.text
    assert "[erased]" in text_of(browser.get(f"/mentees/{mentee}").text)
    assert "was erased" in text_of(browser.get(f"/mentees/{mentee}/outcomes").text)


def test_a_mentor_is_erased_with_the_word_erase(browser: Browser) -> None:
    mentor = browser.graphql(ENROL_MENTOR, token=browser.token())["enrolMentor"]["mentor"]["id"]
    browser.sign_in()
    assert "Privacy of Radu Ionescu" in text_of(browser.get(f"/mentors/{mentor}/privacy").text)

    erased = browser.post(f"/mentors/{mentor}/privacy/erase", {"confirmation": "ERASE"})

    assert "This person was erased on" in text_of(erased.text)
    assert json.loads(browser.get(f"/mentors/{mentor}/privacy/export").text)["person"]["erased"]


def test_another_pins_person_is_not_found_and_not_erased(browser: Browser) -> None:
    theirs = enrol(browser, "Priya Shah", tenant="iccc")
    ours = enrol(browser, "Ana Popa")
    browser.sign_in()

    for path in (
        f"/mentees/{theirs}/privacy",
        f"/mentees/{theirs}/privacy/export",
        f"/mentees/{theirs}/privacy/erase",
        f"/mentors/{ours}/privacy",  # a mentee is no mentor
        "/mentees/not-an-id/privacy",
    ):
        answer = browser.get(path)
        assert answer.status_code == 404, path
        assert "Priya" not in answer.text
    posted = browser.post(f"/mentees/{theirs}/privacy/erase", {"confirmation": "ERASE"})
    assert posted.status_code == 404
    iccc = browser.token(tenant="iccc")
    still = browser.graphql(
        "query($id: ID!) { personPrivacy(personId: $id) { erased } }", {"id": theirs}, token=iccc
    )
    assert still["personPrivacy"]["erased"] is False


def test_an_erasure_without_the_csrf_token_erases_nobody(browser: Browser) -> None:
    mentee = enrol(browser, "Ana Popa")
    browser.sign_in()

    answer = browser.client.post(f"/mentees/{mentee}/privacy/erase", data={"confirmation": "ERASE"})

    assert answer.status_code == 403
    assert browser.get(f"/mentees/{mentee}/privacy/export").json()["person"]["erased"] is False
