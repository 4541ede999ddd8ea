"""The follow-up list in the console: a round that ended about 100 days ago, so its mentees'
3-month follow-ups are due and their 6-month ones come in about 80 days. The list's day is
the clock the page takes (``?due_by=``), as the API's ``dueBy``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from domain.follow_ups import Checkpoint, due_on
from services.context import Role
from tests.console.conftest import Browser, text_of
from tests.console.test_outcomes import ENROL_MENTOR, TODAY, enrol, outcome

ROUND_ENDED = TODAY - timedelta(days=100)
THREE, SIX = (due_on(ROUND_ENDED, c) for c in (Checkpoint.THREE_MONTHS, Checkpoint.SIX_MONTHS))
PLAN = """
mutation($starts: Date!, $ends: Date!) {
  planCohort(input: {name: "Spring round", startsOn: $starts, endsOn: $ends}) { cohort { id } }
}"""
START = "mutation($id: ID!) { startCohort(cohortId: $id) { position } }"
FORM = """
mutation($cohort: ID!, $mentor: ID!) {
  formGroup(input: {cohortId: $cohort, mentorId: $mentor, name: "Bridges"}) { group { id } }
}"""
ADD = "mutation($g: ID!, $m: ID!) { addMenteeToGroup(groupId: $g, menteeId: $m) { position } }"
RECORD = """
mutation($input: RecordFollowUpInput!) { recordFollowUp(input: $input) { position } }"""


@dataclass
class Round:
    cohort: str
    mentee: str


def a_round(browser: Browser, name: str, tenant: str = "arec") -> Round:
    """A round of ``tenant`` that ended 100 days ago, with the mentee ``name`` in it."""
    token = browser.token(Role.COORDINATOR, tenant)
    starts = ROUND_ENDED - timedelta(days=120)
    mentee = enrol(browser, name, tenant, on=starts - timedelta(days=10))
    mentor = browser.graphql(ENROL_MENTOR, token=token)["enrolMentor"]["mentor"]["id"]
    cohort = browser.graphql(PLAN, {"starts": str(starts), "ends": str(ROUND_ENDED)}, token=token)
    cohort_id = cohort["planCohort"]["cohort"]["id"]
    browser.graphql(START, {"id": cohort_id}, token=token)
    group = browser.graphql(FORM, {"cohort": cohort_id, "mentor": mentor}, token=token)
    browser.graphql(ADD, {"g": group["formGroup"]["group"]["id"], "m": mentee}, token=token)
    return Round(cohort_id, mentee)


@pytest.fixture
def spring(browser: Browser) -> Round:
    made = a_round(browser, "Ana Popa")
    browser.sign_in()
    return made


def test_a_mentee_is_due_3_months_after_the_round_and_no_change_moves_on_to_6(
    browser: Browser, spring: Round
) -> None:
    today = text_of(browser.get("/follow-ups").text)
    assert f"Ana Popa Spring round ({ROUND_ENDED}) 3-month {THREE} Due Record" in today
    assert "6-month" not in today

    form = browser.get(f"/follow-ups/{spring.mentee}/{spring.cohort}/3")
    assert "3-month follow-up of Ana Popa" in text_of(form.text)
    saved = browser.post(f"/follow-ups/{spring.mentee}/{spring.cohort}/3", {"result": "no_change"})

    after = text_of(saved.text)
    assert "The 3-month follow-up of Ana Popa is recorded." in after
    assert f"No follow-up is due by {TODAY}." in after
    later = text_of(browser.get("/follow-ups", params={"due_by": str(SIX)}).text)
    assert f"Ana Popa Spring round ({ROUND_ENDED}) 6-month {SIX} Due" in later
    assert "3-month" not in later
    done = text_of(browser.get("/follow-ups", params={"recorded": "1"}).text)
    assert f"3-month {THREE} Recorded {TODAY}: no change" in done


def test_an_outcome_recorded_at_a_follow_up_is_one_of_the_mentees_outcomes(
    browser: Browser, spring: Round
) -> None:
    found = {"result": "outcome", **outcome("JOB_IN_FIELD", TODAY, "Offer letter from Hatch")}
    browser.post(f"/follow-ups/{spring.mentee}/{spring.cohort}/3", found)

    listed = text_of(browser.get("/follow-ups", params={"recorded": "1"}).text)
    assert f"3-month {THREE} Recorded {TODAY}: job in field" in listed
    outcomes = text_of(browser.get(f"/mentees/{spring.mentee}/outcomes").text)
    assert f"{TODAY} job in field Offer letter from Hatch" in outcomes
    again = text_of(browser.get(f"/follow-ups/{spring.mentee}/{spring.cohort}/3").text)
    assert f"This follow-up was recorded on {TODAY}. job in field, {TODAY}." in again


def test_a_follow_up_is_refused_before_its_day_and_without_a_choice(
    browser: Browser, spring: Round
) -> None:
    early = browser.post(f"/follow-ups/{spring.mentee}/{spring.cohort}/6", {"result": "no_change"})
    assert early.status_code == 400
    assert f"Nothing was saved: The 6-month follow-up is due on {SIX}" in text_of(early.text)

    unchosen = browser.post(f"/follow-ups/{spring.mentee}/{spring.cohort}/3", {})
    assert unchosen.status_code == 400
    assert 'Choose "no change" or an outcome.' in text_of(unchosen.text).replace("&#34;", '"')
    half = browser.post(f"/follow-ups/{spring.mentee}/{spring.cohort}/3", {"result": "outcome"})
    assert half.status_code == 400
    assert "3-month" in text_of(browser.get("/follow-ups").text)  # still due


def test_a_mentee_who_withdrew_follow_up_consent_is_listed_as_not_to_contact(
    browser: Browser, spring: Round
) -> None:
    withdraw = (
        "mutation($id: ID!) { withdrawConsent(personId: $id, purpose: FOLLOW_UP) { position } }"
    )
    browser.graphql(withdraw, {"id": spring.mentee}, token=browser.token())

    page = text_of(browser.get("/follow-ups").text)
    assert "Ana Popa Do not contact: withdrew consent to follow-up contact" in page


def test_another_pins_follow_up_is_not_found(browser: Browser, spring: Round) -> None:
    theirs = a_round(browser, "Priya Shah", tenant="iccc")

    assert "Priya" not in browser.get("/follow-ups").text
    for path in (
        f"/follow-ups/{theirs.mentee}/{theirs.cohort}/3",
        f"/follow-ups/{spring.mentee}/{theirs.cohort}/3",
        f"/follow-ups/{spring.mentee}/{spring.cohort}/4",
        f"/follow-ups/{spring.mentee}/nonsense/3",
    ):
        assert browser.get(path).status_code == 404, path
    posted = browser.post(f"/follow-ups/{theirs.mentee}/{theirs.cohort}/3", {"result": "no_change"})
    assert posted.status_code == 404
    iccc = browser.token(Role.COORDINATOR, "iccc")
    still = browser.graphql("{ followUpsDue { totalCount } }", token=iccc)
    assert still["followUpsDue"]["totalCount"] == 1


def test_a_follow_up_form_without_the_csrf_token_changes_nothing(
    browser: Browser, spring: Round
) -> None:
    path = f"/follow-ups/{spring.mentee}/{spring.cohort}/3"
    answer = browser.client.post(path, data={"result": "no_change"})

    assert answer.status_code == 403
    assert "3-month" in text_of(browser.get("/follow-ups").text)


def test_the_api_takes_either_no_change_or_an_outcome_and_only_from_coordinators(
    browser: Browser, spring: Round
) -> None:
    both = {
        "menteeId": spring.mentee,
        "cohortId": spring.cohort,
        "checkpoint": "THREE_MONTHS",
        "noChange": True,
        "outcome": outcome(evidence="Offer"),
    }
    for wrong in (both, {**both, "noChange": False, "outcome": None}):
        answer = browser.client.post(
            "/graphql",
            json={"query": RECORD, "variables": {"input": wrong}},
            headers={"Authorization": f"Bearer {browser.token()}"},
        ).json()
        assert answer["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    funder = browser.token(Role.FUNDER, None, subject="allies")
    refused = browser.client.post(
        "/graphql",
        json={"query": "{ followUpsDue { totalCount } }"},
        headers={"Authorization": f"Bearer {funder}"},
    ).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
