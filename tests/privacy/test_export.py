"""Access export: a coordinator gets everything held about one person (GraphQL and CLI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from domain.privacy import ERASED
from gateway.bootstrap import Platform
from gateway.cli import app
from services.context import Role
from services.settings import Settings
from tests.conftest import GraphQLClient
from tests.privacy.conftest import Enrolled, caught_up, enrol_unique_mentee, found_in

EXPORT = """query($id: ID!) { personalDataExport(personId: $id) }"""
runner = CliRunner()


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MENTORING_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("MENTORING_KAFKA_BOOTSTRAP_SERVERS", raising=False)
    return settings


def _export(gateway: GraphQLClient, person: Enrolled) -> dict[str, Any]:
    token = gateway.token(Role.COORDINATOR, tenant="arec")
    data = gateway.data(EXPORT, {"id": str(person.mentee_id)}, token=token)
    return dict(data["personalDataExport"])


def test_the_export_holds_the_persons_events_and_every_read_model_row(
    gateway: GraphQLClient, enrolled: Enrolled
) -> None:
    document = _export(gateway, enrolled)

    assert found_in(json.dumps(document).encode(), enrolled.subject) == [
        "email",
        "evidence",
        "goals",
        "name",
    ]
    assert document["person"] == {
        "id": str(enrolled.mentee_id),
        "kind": "mentee",
        "tenant_id": str(enrolled.ctx.tenant_id),
        "erased": False,
        "consents": {
            "programme_participation": True,
            "cross_network_sharing": True,
            "follow_up_contact": True,
        },
    }
    assert document["data_key"]["created_at"]
    assert document["data_key"]["destroyed_at"] is None
    assert [e["type"] for e in document["events"]] == [
        "Mentee.Enrolled",
        "Mentee.JoinedRound",
        "Person.TrainingCompleted",
        "Mentee.OutcomeRecorded",
    ]
    assert document["events"][0]["fields"]["name"] == enrolled.subject.name
    tables = document["read_models"]
    assert tables["mentees"][0]["name"] == enrolled.subject.name
    assert tables["outcomes"][0]["evidence"] == enrolled.subject.evidence
    assert {"trainings", "group_members", "attendance", "activity_feed"} <= set(tables)


def test_only_the_persons_own_coordinator_may_export_them(
    platform: Platform, gateway: GraphQLClient, enrolled: Enrolled
) -> None:
    enrol_unique_mentee(platform.store, "cniea")
    caught_up(platform)
    variables = {"id": str(enrolled.mentee_id)}

    other_pin = gateway.token(Role.COORDINATOR, tenant="cniea")
    mentor = gateway.token(Role.MENTOR, tenant="arec", subject=str(enrolled.mentor_id))
    funder = gateway.token(Role.FUNDER, tenant=None, subject="allies")

    assert gateway.error_code(EXPORT, variables, token=other_pin) == "NOT_FOUND"
    assert gateway.error_code(EXPORT, variables, token=mentor) == "FORBIDDEN"
    assert gateway.error_code(EXPORT, variables, token=funder) == "FORBIDDEN"


def test_mentoring_export_and_erase_from_the_command_line(
    env: Settings, gateway: GraphQLClient, enrolled: Enrolled, tmp_path: Path
) -> None:
    output = tmp_path / "export.json"
    person = str(enrolled.mentee_id)

    exported = runner.invoke(app, ["export", person, "--tenant", "arec", "--output", str(output)])
    erased = runner.invoke(app, ["erase", "mentee", person, "--tenant", "arec"])
    again = runner.invoke(app, ["export", person, "--tenant", "arec"])
    unknown = runner.invoke(app, ["erase", "mentee", person, "--tenant", "cniea"])

    assert exported.exit_code == 0, exported.output
    assert json.loads(output.read_text())["person"]["id"] == person
    assert erased.exit_code == 0, erased.output
    assert f"erased mentee {person}" in erased.output
    assert found_in(erased.output.encode(), enrolled.subject) == []
    assert again.exit_code == 0, again.output
    document = json.loads(again.stdout)
    assert found_in(again.stdout.encode(), enrolled.subject) == []
    assert document["person"]["erased"] is True
    assert document["read_models"]["mentees"][0]["name"] == ERASED
    assert document["data_key"]["destroyed_at"]
    assert unknown.exit_code == 1
    assert "NOT_FOUND" in unknown.output
    assert _export(gateway, enrolled)["person"]["erased"] is True
