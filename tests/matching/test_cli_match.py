"""``mentoring match``: a coordinator proposes, reviews and accepts groups from the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.bootstrap import build_platform
from gateway.cli import app
from services.settings import Settings
from tests.matching.conftest import WaitingRound, build_round

runner = CliRunner()


@pytest.fixture
def waiting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WaitingRound:
    url = f"sqlite:///{tmp_path}/events.db"
    monkeypatch.setenv("MENTORING_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")  # tables one line per row, as on a wide terminal
    platform = build_platform(Settings(database_url=url))
    try:
        return build_round(platform, "arec")
    finally:
        platform.close()


def test_propose_prints_the_groups_and_why_mentees_are_left_out(waiting: WaitingRound) -> None:
    result = runner.invoke(
        app, ["match", "propose", "--tenant", "arec", "--cohort", str(waiting.cohort_id)]
    )

    assert result.exit_code == 0, result.output
    assert "Engineering · Romanian · group 1" in result.output
    assert "arec civil mentor" in result.output
    assert "too_few_for_a_group" in result.output
    assert "11 of 13 mentees in 2 groups" in result.output
    assert "milp optimal, gap 0.00%" in result.output


def test_a_coordinator_proposes_then_accepts(waiting: WaitingRound) -> None:
    proposed = runner.invoke(
        app,
        ["match", "propose", "--tenant", "arec", "--cohort", str(waiting.cohort_id),
         "--weight", "profession=10", "--json"],
    )  # fmt: skip
    assert proposed.exit_code == 0, proposed.output
    proposal = json.loads(proposed.stdout)
    assert proposal["settings"]["weights"]["profession"] == 10

    accepted = runner.invoke(app, ["match", "accept", proposal["id"], "--tenant", "arec"])
    listed = runner.invoke(app, ["match", "list", "--tenant", "arec"])
    again = runner.invoke(app, ["match", "accept", proposal["id"], "--tenant", "arec"])

    assert accepted.exit_code == 0, accepted.output
    assert "formed 2 group(s)" in accepted.output
    assert "accepted" in listed.output
    assert again.exit_code == 1
    assert "already accepted" in again.output


def test_another_pins_proposal_is_not_found(waiting: WaitingRound) -> None:
    proposed = runner.invoke(
        app,
        ["match", "propose", "--tenant", "arec", "--cohort", str(waiting.cohort_id), "--json"],
    )
    proposal_id = json.loads(proposed.stdout)["id"]

    result = runner.invoke(app, ["match", "show", proposal_id, "--tenant", "cniea"])

    assert result.exit_code == 1
    assert "NOT_FOUND" in result.output


def test_bad_input_is_explained(waiting: WaitingRound) -> None:
    result = runner.invoke(
        app,
        ["match", "propose", "--tenant", "arec", "--cohort", str(waiting.cohort_id),
         "--weight", "profession=lots"],
    )  # fmt: skip

    assert result.exit_code == 2
    assert "weight profession must be a whole number" in result.output


def test_proposals_survive_a_rebuild_of_the_read_models(waiting: WaitingRound) -> None:
    proposed = runner.invoke(
        app,
        ["match", "propose", "--tenant", "arec", "--cohort", str(waiting.cohort_id), "--json"],
    )
    before = json.loads(proposed.stdout)
    runner.invoke(app, ["match", "reject", before["id"], "--tenant", "arec", "--reason", "Later."])

    rebuilt = runner.invoke(app, ["rebuild"])
    shown = runner.invoke(app, ["match", "show", before["id"], "--tenant", "arec", "--json"])

    assert rebuilt.exit_code == 0, rebuilt.output
    after = json.loads(shown.stdout)
    assert (after["state"], after["rejection_reason"]) == ("rejected", "Later.")
    assert after["result"] == before["result"]
