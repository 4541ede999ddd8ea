"""Retention: people whose last programme activity is older than the period are erased, once."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from typing import Any

import pytest
from typer.testing import CliRunner

from domain.envelope import EventEnvelope
from domain.errors import InvalidValue
from gateway.bootstrap import Platform
from gateway.cli import app
from services.privacy.retention import ProgrammeActivity, cutoff
from services.settings import Settings
from tests.privacy.conftest import Enrolled, caught_up, enrol_unique_mentee, where_found

runner = CliRunner()
TENANT = "00000000-0000-0000-0000-00000000000a"
_positions = count(1)


def _event(kind: str, aggregate: str, recorded: str, **payload: Any) -> EventEnvelope:
    return EventEnvelope(
        position=next(_positions),
        tenant_id=TENANT,
        aggregate_id=aggregate,
        aggregate_version=1,
        event_type=kind,
        schema_version=1,
        occurred_at=f"{recorded}T10:00:00+00:00",
        actor="coordinator",
        correlation_id="",
        payload=payload,
    )


def _activity(*events: EventEnvelope) -> ProgrammeActivity:
    activity = ProgrammeActivity()
    for e in events:
        activity.add(e)
    return activity


def _ids(people: list[Any]) -> list[str]:
    return [str(p.person_id) for p in people]


A, B, C, M = (f"00000000-0000-0000-0000-0000000000{n}" for n in ("a1", "b2", "c3", "d4"))


class TestLastProgrammeActivity:
    def test_the_latest_day_anything_happened_to_the_person_counts(self) -> None:
        activity = _activity(
            _event("Mentee.Enrolled", A, "2022-01-10", enrolled_on="2022-01-10"),
            _event("Mentee.Enrolled", B, "2022-01-10", enrolled_on="2022-01-10"),
            _event("Group.AttendanceRecorded", "g", "2024-03-01", mentee_id=B, number=1),
        )

        assert _ids(activity.inactive_since(date(2024, 1, 1))) == [A]

    def test_a_round_counts_until_its_last_day_and_an_outcome_on_its_date(self) -> None:
        activity = _activity(
            _event("Cohort.Planned", "k", "2022-01-03", ends_on="2024-06-30"),
            _event("Mentee.Enrolled", A, "2022-01-10", enrolled_on="2022-01-10"),
            _event("Mentee.JoinedRound", A, "2022-01-10", cohort_id="k", ends_on="2024-06-30"),
            _event("Mentor.Enrolled", M, "2022-01-10"),
            _event("Group.Formed", "g", "2022-01-11", mentor_id=M, cohort_id="k"),
            _event("Mentee.Enrolled", C, "2022-01-10", enrolled_on="2022-01-10"),
            _event("Mentee.OutcomeRecorded", C, "2022-02-01", occurred_on="2022-02-01"),
        )

        assert _ids(activity.inactive_since(date(2024, 1, 1))) == [C]
        assert activity.people[A].last == activity.people[M].last == date(2024, 6, 30)

    def test_consents_are_not_activity_and_erased_people_are_never_candidates(self) -> None:
        activity = _activity(
            _event("Mentee.Enrolled", A, "2022-01-10", enrolled_on="2022-01-10"),
            _event("Person.ConsentWithdrawn", A, "2024-05-01", purpose="follow_up_contact"),
            _event("Mentee.Enrolled", B, "2022-01-10", enrolled_on="2022-01-10"),
            _event("Person.Erased", B, "2023-01-01"),
        )

        assert _ids(activity.inactive_since(date(2024, 1, 1))) == [A]

    @pytest.mark.parametrize(
        ("period", "day"),
        [
            ("24m", date(2024, 3, 31)),
            ("2y", date(2024, 3, 31)),
            ("1m", date(2026, 2, 28)),
            ("30d", date(2026, 3, 1)),
        ],
    )
    def test_a_period_is_counted_back_in_days_months_or_years(self, period: str, day: date) -> None:
        assert cutoff(date(2026, 3, 31), period) == day

    @pytest.mark.parametrize("period", ["24", "m", "0m", "24w", "-3m"])
    def test_a_malformed_period_is_refused(self, period: str) -> None:
        with pytest.raises(InvalidValue, match="730d, 24m or 2y"):
            cutoff(date(2026, 3, 31), period)


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MENTORING_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("MENTORING_KAFKA_BOOTSTRAP_SERVERS", raising=False)
    return settings


def test_mentoring_retention_lists_erases_and_is_idempotent(
    env: Settings, platform: Platform, enrolled: Enrolled
) -> None:
    other = enrol_unique_mentee(platform.store, "cniea")
    caught_up(platform)
    later = (date.today() + timedelta(days=800)).isoformat()  # 24 months on, and a bit
    arguments = ["retention", "--older-than", "24m", "--today", later]

    listed = runner.invoke(app, [*arguments, "--dry-run", "--tenant", "arec"])
    assert listed.exit_code == 0, listed.output
    lines = [line.split("\t") for line in listed.stdout.splitlines()]
    assert sorted((kind, person) for kind, person, *_ in lines) == sorted(
        [("mentee", str(enrolled.mentee_id)), ("mentor", str(enrolled.mentor_id))]
    )
    assert "2 people would be erased" in listed.output
    assert platform.store.repository.get(enrolled.mentee_id).erased is False

    erased = runner.invoke(app, arguments)
    again = runner.invoke(app, arguments)

    assert erased.exit_code == 0, erased.output
    assert "erased 4 people" in erased.output
    for person in (enrolled.mentee_id, enrolled.mentor_id, other.mentee_id, other.mentor_id):
        assert platform.store.repository.get(person).erased
    assert where_found(env, enrolled.subject) == {}
    assert where_found(env, other.subject) == {}
    assert again.exit_code == 0, again.output
    assert again.stdout == ""
    assert "0 people" in again.output


def test_recent_people_are_kept(env: Settings, enrolled: Enrolled) -> None:
    kept = runner.invoke(app, ["retention", "--older-than", "24m"])

    assert kept.exit_code == 0, kept.output
    assert "0 people" in kept.output


def test_a_malformed_period_is_refused_on_the_command_line(env: Settings) -> None:
    refused = runner.invoke(app, ["retention", "--older-than", "two years"])

    assert refused.exit_code == 2
    assert "BAD_INPUT" in refused.output
    assert "730d, 24m or 2y" in " ".join(refused.output.split())
