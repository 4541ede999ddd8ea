"""Erasure leaves nothing behind: not in the stores, the read models, the reports or the export.

A mentee of the demo's AREC with a name, e-mail, goals and outcome evidence found nowhere
else is erased over GraphQL; then every stored byte is searched for them. Counts (funder
reports, cross-network statistics, groups) are the same before and after, the audit trail
still verifies, and the mentee's history still loads, with placeholders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from domain.people import Mentee
from domain.privacy import ERASED
from gateway.audit.files import export, verify
from gateway.bootstrap import Platform
from gateway.cli import app
from projections import queries as q
from services import commands as c
from services import use_cases as uc
from services.context import Role
from services.demo import seed_demo
from services.demo_data import ACTIVITY_TITLE
from services.settings import Settings
from tests.audit.conftest import DEMO_DAY, audit_of
from tests.conftest import GraphQLClient
from tests.privacy.conftest import (
    Enrolled,
    caught_up,
    enrol_unique_mentee,
    event_store_hits,
    found_in,
    where_found,
)
from tests.security.statistics_auditor import (
    attackers,
    audit,
    names,
    read_published,
    read_truth,
)

STATISTICS = """query($by: StatisticsDimension!) {
  networkStatistics(by: $by) {
    threshold cells { key label attendanceRate values { metric value suppressed } }
    total { metric value suppressed } totalAttendanceRate release { id }
  }
}"""
RELEASE = "mutation { releaseNetworkStatistics { id } }"
ERASE = """mutation($id: ID!) {
  eraseMentee(id: $id) { privacy { personId kind erased erasedAt } position }
}"""
MENTEE = """query($id: ID!, $at: Int) {
  mentee(id: $id, consistentWith: $at) {
    name email goals outcomes { kind evidence } trainings { name } groups { name menteeCount }
  }
}"""
EXPORT = """query($id: ID!) { personalDataExport(personId: $id) }"""

runner = CliRunner()


def _statistics(gateway: GraphQLClient) -> dict[str, Any]:
    """Every breakdown of the latest release of the statistics."""
    network = gateway.token(Role.NETWORK, tenant=None, subject="imn")
    return {
        by: gateway.data(STATISTICS, {"by": by}, token=network)["networkStatistics"]
        for by in ("PIN", "PROFESSION", "COHORT", "TOTAL")
    }


def _released(gateway: GraphQLClient) -> dict[str, Any]:
    """A new release by the platform admin, every breakdown of it."""
    admin = gateway.token(Role.ADMIN, tenant=None, subject="platform-admin")
    gateway.data(RELEASE, token=admin)
    return _statistics(gateway)


def _numbers(statistics: dict[str, Any]) -> dict[str, Any]:
    return {
        by: {k: v for k, v in answer.items() if k != "release"} for by, answer in statistics.items()
    }


def _disclosed(platform: Platform, statistics: dict[str, Any]) -> list[str]:
    """Hidden counts anyone works out from ``statistics`` (the independent auditor's)."""
    with platform.read_models.transaction() as tx:
        truth = read_truth(lambda sql: tx.execute(sql).fetchall())
    anyone = attackers(truth.microdata, truth.rounds)[0]
    release = [(read_published(statistics), truth.microdata)]
    return audit(release, truth.rounds, anyone).disclosed(names(statistics))


def _reports(platform: Platform) -> dict[str, Any]:
    """The funder report of every PIN and of the programme, without the checkpoint's name."""
    trail = audit_of(platform)
    trail.issue_checkpoint()
    documents = {"*": trail.report()}
    for slug in ("arec", "afca"):
        documents[slug] = trail.report(tenant=slug)
    return {key: doc["sections"] for key, doc in documents.items()}


def _register_for_afca_evening(platform: Platform, person: Enrolled) -> None:
    with platform.read_models.reading(str(person.ctx.tenant_id)) as conn:
        [evening] = [a for a in q.shared_activities(conn) if a.title == ACTIVITY_TITLE]
    uc.register_for_activity(
        platform.store, c.RegisterForActivity(UUID(evening.id), person.mentee_id), person.ctx
    )


@pytest.fixture
def demo_person(platform: Platform) -> Enrolled:
    """The demo programme, plus the unique mentee in AREC, registered for AFCA's evening."""
    seed_demo(platform.store, today=DEMO_DAY)
    person = enrol_unique_mentee(platform.store, "arec")
    _register_for_afca_evening(platform, person)
    caught_up(platform)
    return person


def test_an_erased_mentee_is_found_nowhere_and_every_count_stays(
    platform: Platform,
    settings: Settings,
    gateway: GraphQLClient,
    demo_person: Enrolled,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person, subject = demo_person, demo_person.subject
    token = gateway.token(Role.COORDINATOR, tenant="arec")
    # The search works: before the erasure the read models hold the person in plain text...
    assert where_found(settings, subject), "the search must find the person before erasure"
    # ...but the event store never does: it holds ciphertext only.
    assert event_store_hits(settings, subject) == []
    statistics, reports = _released(gateway), _reports(platform)
    before = gateway.data(MENTEE, {"id": str(person.mentee_id)}, token=token)["mentee"]
    assert before["name"] == subject.name

    erased = gateway.data(ERASE, {"id": str(person.mentee_id)}, token=token)["eraseMentee"]

    assert erased["privacy"]["erased"] is True
    assert erased["privacy"]["kind"] == "mentee"
    assert where_found(settings, subject) == {}
    assert _statistics(gateway) == statistics  # the public reads the same release...
    released_again = _released(gateway)  # ...and the next one counts the same
    assert released_again["TOTAL"]["release"]["id"] == statistics["TOTAL"]["release"]["id"] + 1
    assert _numbers(released_again) == _numbers(statistics)
    assert _disclosed(platform, released_again) == []
    assert _reports(platform) == reports
    after = gateway.data(
        MENTEE, {"id": str(person.mentee_id), "at": erased["position"]}, token=token
    )["mentee"]
    assert after["name"] == ERASED
    assert after["email"] is None
    assert after["goals"] is None
    assert after["outcomes"] == [{"kind": "JOB_IN_FIELD", "evidence": ERASED}]
    assert after["trainings"] == before["trainings"]
    assert after["groups"] == before["groups"]

    # The exported reports and the audit export (stored bytes) do not hold the person either,
    # and the audit trail still verifies: erasure changed no stored event.
    monkeypatch.setenv("MENTORING_DATABASE_URL", settings.database_url)
    for arguments in (["report", "--format", "json"], ["report", "--format", "csv"]):
        printed = runner.invoke(app, arguments)
        assert printed.exit_code == 0, printed.output
        assert found_in(printed.stdout.encode(), subject) == []
    folder = tmp_path / "audit-export"
    export(audit_of(platform), folder)
    assert all(found_in(f.read_bytes(), subject) == [] for f in folder.iterdir())
    assert verify(folder).passed

    # The access export tells what is left: the history, with placeholders.
    document = gateway.data(EXPORT, {"id": str(person.mentee_id)}, token=token)
    assert found_in(json.dumps(document).encode(), subject) == []
    events = document["personalDataExport"]["events"]
    assert events[0]["type"] == "Mentee.Enrolled"
    assert events[0]["fields"]["name"] == ERASED
    assert events[-1]["type"] == "Person.Erased"


def test_the_history_of_an_erased_mentee_still_loads_with_placeholders(
    platform: Platform, gateway: GraphQLClient, enrolled: Enrolled
) -> None:
    token = gateway.token(Role.COORDINATOR, tenant="arec")
    gateway.data(ERASE, {"id": str(enrolled.mentee_id)}, token=token)

    mentee: Mentee = platform.store.repository.get(enrolled.mentee_id)
    events = list(platform.store.events.get(enrolled.mentee_id))

    assert isinstance(mentee, Mentee)
    assert mentee.erased
    assert mentee.name.value == ERASED
    assert mentee.email is None
    assert mentee.goals is None
    assert [o.evidence.value for o in mentee.outcomes] == [ERASED]
    assert len(mentee.rounds) == 1
    assert len(mentee.trainings) == 1
    # The stored enrolment opens to placeholders, field by field.
    assert events[0].name.value == ERASED  # type: ignore[attr-defined]
    assert events[0].email.value == ERASED  # type: ignore[attr-defined]
    assert type(events[-1]).__qualname__ == "Person.Erased"


def test_erasing_twice_changes_nothing_more(platform: Platform, gateway: GraphQLClient) -> None:
    person = enrol_unique_mentee(platform.store)
    caught_up(platform)
    token = gateway.token(Role.COORDINATOR, tenant="arec")
    first = gateway.data(ERASE, {"id": str(person.mentee_id)}, token=token)["eraseMentee"]
    head = platform.store.recorder.max_notification_id()

    again = gateway.data(ERASE, {"id": str(person.mentee_id)}, token=token)["eraseMentee"]

    assert again["privacy"] == first["privacy"]
    assert platform.store.recorder.max_notification_id() == head


def test_nothing_more_is_recorded_about_an_erased_person(
    platform: Platform, gateway: GraphQLClient
) -> None:
    person = enrol_unique_mentee(platform.store)
    caught_up(platform)
    token = gateway.token(Role.COORDINATOR, tenant="arec")
    gateway.data(ERASE, {"id": str(person.mentee_id)}, token=token)
    training = """mutation($id: ID!) {
      recordTraining(personId: $id, name: "Resume clinic", completedOn: "2026-03-01") { position }
    }"""
    consent = """mutation($id: ID!) {
      giveConsent(personId: $id, purpose: SHARING) { position }
    }"""

    assert gateway.error_code(training, {"id": str(person.mentee_id)}, token=token) == (
        "INVARIANT_VIOLATION"
    )
    assert gateway.error_code(consent, {"id": str(person.mentee_id)}, token=token) == (
        "INVARIANT_VIOLATION"
    )


def test_only_the_persons_own_coordinator_may_erase_them(
    platform: Platform, gateway: GraphQLClient
) -> None:
    person = enrol_unique_mentee(platform.store, "arec")
    enrol_unique_mentee(platform.store, "cniea")
    caught_up(platform)
    variables = {"id": str(person.mentee_id)}

    other_pin = gateway.token(Role.COORDINATOR, tenant="cniea")
    mentor = gateway.token(Role.MENTOR, tenant="arec", subject=str(person.mentor_id))

    assert gateway.error_code(ERASE, variables, token=other_pin) == "NOT_FOUND"
    assert gateway.error_code(ERASE, variables, token=mentor) == "FORBIDDEN"
    assert platform.store.repository.get(person.mentee_id).erased is False


def test_a_mentor_is_erased_like_a_mentee(
    platform: Platform, settings: Settings, gateway: GraphQLClient
) -> None:
    person = enrol_unique_mentee(platform.store)
    caught_up(platform)
    token = gateway.token(Role.COORDINATOR, tenant="arec")
    query = """mutation($id: ID!) { eraseMentor(id: $id) { privacy { kind erased } position } }"""
    group = """query($id: ID!, $at: Int) {
      group(id: $id, consistentWith: $at) { menteeCount mentor { name email } }
    }"""

    erased = gateway.data(query, {"id": str(person.mentor_id)}, token=token)["eraseMentor"]
    view = gateway.data(group, {"id": str(person.group_id), "at": erased["position"]}, token=token)[
        "group"
    ]

    assert erased["privacy"] == {"kind": "mentor", "erased": True}
    assert view == {"menteeCount": 1, "mentor": {"name": ERASED, "email": None}}
    with pytest.raises(Exception, match="erased"):
        uc.form_group_in_cohort(
            platform.store, c.FormGroup(person.cohort_id, person.mentor_id, "Again"), person.ctx
        )
