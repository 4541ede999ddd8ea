"""A mentee's outcomes in the console: recorded with their evidence, listed, refused with the
API's reason, and only for the coordinator's own PIN."""

from __future__ import annotations

from datetime import date, timedelta

from services.context import Role
from tests.console.conftest import Browser, text_of

ENROL_MENTEE = """
mutation($name: String!, $on: Date!) {
  enrolMentee(input: {name: $name, profession: "Engineering", origin: "Romania",
                      languages: ["Romanian"], englishLevel: INTERMEDIATE, enrolledOn: $on,
                      email: "someone@example.org"}) { mentee { id } }
}"""
ENROL_MENTOR = """
mutation {
  enrolMentor(input: {name: "Radu Ionescu", profession: "Engineering", languages: ["Romanian"],
                      culturalBackground: "Romanian"}) { mentor { id } }
}"""
TODAY = date.today()


def enrol(browser: Browser, name: str, tenant: str = "arec", on: date | None = None) -> str:
    """A new mentee of ``tenant``, enrolled a year ago unless ``on`` says otherwise; their id."""
    variables = {"name": name, "on": str(on or TODAY - timedelta(days=365))}
    data = browser.graphql(ENROL_MENTEE, variables, token=browser.token(tenant=tenant))
    ident: str = data["enrolMentee"]["mentee"]["id"]
    return ident


def outcome(kind: str = "JOB_IN_FIELD", on: date = TODAY, evidence: str = "") -> dict[str, str]:
    return {"kind": kind, "occurredOn": str(on), "evidence": evidence}


def test_a_coordinator_records_an_outcome_with_its_evidence(browser: Browser) -> None:
    mentee = enrol(browser, "Ana Popa")
    browser.sign_in()
    empty = text_of(browser.get(f"/mentees/{mentee}/outcomes").text)
    assert "Outcomes of Ana Popa" in empty
    assert "No outcomes recorded yet." in empty

    sent = browser.post(
        f"/mentees/{mentee}/outcomes",
        outcome("LICENCE_OBTAINED", TODAY - timedelta(days=3), "P.Eng licence letter, PEO"),
    )
    page = text_of(sent.text)

    assert sent.status_code == 200  # followed the redirect
    assert f"Outcome recorded: licence obtained on {TODAY - timedelta(days=3)}." in page
    assert f"{TODAY - timedelta(days=3)} licence obtained P.Eng licence letter, PEO" in page
    assert "No outcomes recorded yet." not in page


def test_an_outcome_without_evidence_or_in_the_future_is_refused(browser: Browser) -> None:
    mentee = enrol(browser, "Ana Popa")
    browser.sign_in()

    missing = browser.post(f"/mentees/{mentee}/outcomes", outcome(evidence=" "))
    assert missing.status_code == 400
    assert "Nothing was saved: Choose a kind" in text_of(missing.text)

    future = browser.post(
        f"/mentees/{mentee}/outcomes", outcome(on=TODAY + timedelta(days=2), evidence="Offer")
    )
    assert future.status_code == 400
    assert "cannot be dated in the future" in text_of(future.text)
    assert 'value="Offer"' not in future.text  # a textarea keeps what was typed
    assert "Offer</textarea>" in future.text

    before = browser.post(
        f"/mentees/{mentee}/outcomes", outcome(on=TODAY - timedelta(days=400), evidence="Offer")
    )
    assert before.status_code == 400
    assert "before the mentee's enrolment" in text_of(before.text)
    assert "No outcomes recorded yet." in text_of(browser.get(f"/mentees/{mentee}/outcomes").text)


def test_another_pins_mentee_is_not_found(browser: Browser) -> None:
    theirs = enrol(browser, "Priya Shah", tenant="iccc")
    browser.sign_in()

    for path in (f"/mentees/{theirs}/outcomes", "/mentees/not-an-id/outcomes"):
        answer = browser.get(path)
        assert answer.status_code == 404, path
        assert "Priya" not in answer.text
    posted = browser.post(f"/mentees/{theirs}/outcomes", outcome(evidence="Offer"))
    assert posted.status_code == 404
    iccc = browser.token(Role.COORDINATOR, "iccc")
    data = browser.graphql(
        "query($id: ID!) { mentee(id: $id) { outcomes { kind } } }", {"id": theirs}, token=iccc
    )
    assert data["mentee"]["outcomes"] == []


def test_a_form_without_the_csrf_token_changes_nothing(browser: Browser) -> None:
    mentee = enrol(browser, "Ana Popa")
    browser.sign_in()

    answer = browser.client.post(f"/mentees/{mentee}/outcomes", data=outcome(evidence="Offer"))

    assert answer.status_code == 403
    assert "No outcomes recorded yet." in text_of(browser.get(f"/mentees/{mentee}/outcomes").text)


def sign_in_as_a_mentor(browser: Browser) -> None:
    """A new mentor of arec signs in."""
    enrolled = browser.graphql(ENROL_MENTOR, token=browser.token())["enrolMentor"]["mentor"]
    token = browser.token(Role.MENTOR, "arec", subject=enrolled["id"])
    assert browser.get("/auth/dev", params={"token": token}).status_code == 200


def test_a_mentor_may_not_record_outcomes(browser: Browser) -> None:
    mentee = enrol(browser, "Ana Popa")
    sign_in_as_a_mentor(browser)

    assert browser.get(f"/mentees/{mentee}/outcomes").status_code == 403
