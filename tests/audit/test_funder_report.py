"""Funder reports: the pilot reads as the article says, small cells stay hidden across PINs,
and a report recomputed from the export equals the one served."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from domain.pin import pin_id_for
from gateway.audit_files import export, verify
from gateway.bootstrap import Platform
from gateway.cli import app
from projections.funder_report import COUNTS, _publish
from services.context import Role
from services.settings import Settings
from tests.audit.conftest import audit_of
from tests.conftest import GraphQLClient

REPORT = """
{ funderReport {
    scope checkpointTreeSize checkpointRootHash smallCellThreshold suppressedAcrossPins document
    sections { kind name cohortId
      columns { pin headline figures { name value suppressed } }
      total { pin headline figures { name value suppressed } } }
} }"""


def section(document: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    return next(s for s in document["sections"] if s["kind"] == kind and s["name"] == name)


def test_the_pilot_report_reads_as_the_article(demo: Platform) -> None:
    document = audit_of(demo).report()
    pilot = section(document, "round", "Pilot 2024")["total"]

    assert pilot["headline"] == (
        "17 mentees, 6 jobs in field, 1 business started, 1 licence obtained, "
        "8 of 17 (47%) moved forward"
    )
    figures = pilot["figures"]
    assert figures["mentees_served"] == 17
    assert figures["outcome_job_in_field"] == 6
    assert figures["outcome_business_started"] == 1
    assert figures["outcome_licence_obtained"] == 1
    assert figures["outcome_licensing_exam_passed"] == 1
    assert figures["mentees_moved_forward"] == 8
    assert figures["moved_forward_percent"] == 47
    assert figures["groups"] == 3
    assert figures["mentors"] == 3
    assert figures["sessions_planned"] == figures["sessions_held"] == 15


def test_a_report_names_the_checkpoint_it_was_computed_from(demo: Platform) -> None:
    trail = audit_of(demo)
    signed = trail.log.latest_checkpoint()
    assert signed is not None

    checkpoint = trail.report()["checkpoint"]

    assert checkpoint["tree_size"] == signed.tree_size
    assert checkpoint["root_hash"] == signed.root_hash.hex()


def test_no_pin_count_under_the_threshold_is_published_across_pins(demo: Platform) -> None:
    document = audit_of(demo).report()

    assert document["suppressed_across_pins"] is True
    for part in document["sections"]:
        for column in part["columns"]:
            for name, value in column["figures"].items():
                if name.endswith("_percent"):
                    continue
                assert value is None or value >= 10, (part["name"], name)
    cohort = next(s for s in document["sections"] if s["kind"] == "cohort")
    assert cohort["total"]["figures"]["mentees_served"] is None  # one PIN: the total is its cell


def test_one_hidden_cell_never_stands_alone_next_to_a_published_total() -> None:
    cells = {
        "arec": {"mentees_served": 12},
        "iccc": {"mentees_served": 15},
        "cniea": {"mentees_served": 4},
    }

    shown, total = _publish(
        {pin: {**dict.fromkeys(COUNTS, 0), **c} for pin, c in cells.items()}, 10, True
    )

    assert total["mentees_served"] == 31
    assert shown["cniea"]["mentees_served"] is None
    assert shown["arec"]["mentees_served"] is None  # the complementary cell: the smallest shown
    assert shown["iccc"]["mentees_served"] == 15


def test_a_coordinator_report_holds_only_their_own_pin_unsuppressed(demo: Platform) -> None:
    document = audit_of(demo).report(str(pin_id_for("cniea")))

    assert document["scope"] == "pin:cniea"
    assert document["suppressed_across_pins"] is False
    assert {c["pin"] for s in document["sections"] for c in s["columns"]} == {"cniea"}
    pilot = section(document, "round", "Pilot 2024")["columns"][0]["figures"]
    assert pilot["mentees_served"] == 5
    assert pilot["outcome_licensing_exam_passed"] == 1


@pytest.mark.e2e
def test_a_report_recomputed_from_the_export_equals_the_served_one(
    demo: Platform, gateway: GraphQLClient, tmp_path: Path
) -> None:
    funder = gateway.token(Role.FUNDER, tenant=None, subject="allies")
    served = gateway.data(REPORT, token=funder)["funderReport"]
    (tmp_path / "report.json").write_text(served["document"])
    trail = audit_of(demo)
    export(trail, tmp_path / "export")

    verifier = verify(
        tmp_path / "export",
        public_key=trail.signer.public_key,
        report_files=[tmp_path / "report.json"],
    )

    assert verifier.passed, [f.line() for f in verifier.findings]
    assert any(
        f.check == "report" and "every figure matches" in f.detail for f in verifier.findings
    )
    pilot = next(s for s in served["sections"] if s["name"] == "Pilot 2024")
    assert pilot["total"]["headline"].startswith("17 mentees, 6 jobs in field")
    assert served["checkpointTreeSize"] == json.loads(served["document"])["checkpoint"]["tree_size"]


def test_a_report_with_one_changed_figure_fails_recomputation(
    demo: Platform, tmp_path: Path
) -> None:
    trail = audit_of(demo)
    document = trail.report()
    section(document, "round", "Pilot 2024")["total"]["figures"]["outcome_job_in_field"] = 7
    (tmp_path / "report.json").write_text(json.dumps(document))
    export(trail, tmp_path / "export")

    verifier = verify(
        tmp_path / "export",
        public_key=trail.signer.public_key,
        report_files=[tmp_path / "report.json"],
    )

    assert not verifier.passed
    failure = next(f for f in verifier.findings if not f.ok)
    assert "Pilot 2024" in failure.detail
    assert "outcome_job_in_field" in failure.detail


def test_mentoring_report_prints_csv_and_json(
    demo: Platform, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENTORING_DATABASE_URL", settings.database_url)
    runner = CliRunner()

    as_json = runner.invoke(app, ["report", "--format", "json"])
    as_csv = runner.invoke(app, ["report", "--format", "csv", "--pin", "arec"])

    assert as_json.exit_code == 0, as_json.output
    assert (
        section(json.loads(as_json.stdout), "round", "Pilot 2024")["total"]["figures"][
            "mentees_moved_forward"
        ]
        == 8
    )
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    served = next(
        r
        for r in rows
        if r["name"] == "Pilot 2024" and r["pin"] == "arec" and r["figure"] == "mentees_served"
    )
    assert served["value"] == "6"
    assert {r["tree_size"] for r in rows} == {str(audit_of(demo).log.head().size)}
