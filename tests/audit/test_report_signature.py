"""`mentoring audit verify --report` checks the report's own signature when the file carries
one: the platform's Ed25519 signature over "funder report", a newline, then the report's
canonical JSON, with the checkpoint key."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from gateway.audit.files import export
from gateway.audit.trail import AuditTrail
from gateway.bootstrap import Platform
from gateway.cli import app
from tests.audit.conftest import audit_of

runner = CliRunner()


def signed(trail: AuditTrail) -> tuple[dict[str, Any], str, str]:
    """The report, its canonical JSON and its signature (base64), as the API serves them."""
    report = trail.report()
    text = json.dumps(report, sort_keys=True)
    return report, text, base64.b64encode(trail.signer.sign_report(text)).decode()


def verify(trail: AuditTrail, folder: Path, report_file: Path) -> tuple[int, str]:
    export(trail, folder / "export")
    (folder / "key.pem").write_text(trail.signer.public_key_pem)
    arguments = ["audit", "verify", str(folder / "export"), "--public-key", str(folder / "key.pem")]
    result = runner.invoke(app, [*arguments, "--report", str(report_file)])
    return result.exit_code, result.stdout


def change_a_figure(report: dict[str, Any]) -> None:
    pilot = next(s for s in report["sections"] if s["name"] == "Pilot 2024")
    pilot["total"]["figures"]["outcome_job_in_field"] += 1


def test_the_untouched_report_and_its_signature_pass(demo: Platform, tmp_path: Path) -> None:
    trail = audit_of(demo)
    _, text, signature = signed(trail)
    (tmp_path / "report.json").write_text(json.dumps({"document": text, "signature": signature}))

    code, output = verify(trail, tmp_path, tmp_path / "report.json")

    assert code == 0, output
    assert "PASS  report signature" in output
    assert "valid: the platform stated these figures" in output
    assert "every figure matches" in output


def test_a_changed_figure_fails_the_signature(demo: Platform, tmp_path: Path) -> None:
    trail = audit_of(demo)
    report, _, signature = signed(trail)
    change_a_figure(report)
    changed = json.dumps(report, sort_keys=True)
    (tmp_path / "report.json").write_text(json.dumps({"document": changed, "signature": signature}))

    code, output = verify(trail, tmp_path, tmp_path / "report.json")

    assert code == 1
    failed = [line for line in output.splitlines() if "report signature" in line]
    assert len(failed) == 1, output
    assert "does NOT verify" in failed[0]


def test_a_report_with_its_signature_as_a_key_is_checked_the_same(
    demo: Platform, tmp_path: Path
) -> None:
    trail = audit_of(demo)
    report, _, signature = signed(trail)
    (tmp_path / "kept.json").write_text(json.dumps({**report, "signature": signature}, indent=2))
    change_a_figure(report)
    (tmp_path / "changed.json").write_text(json.dumps({**report, "signature": signature}))

    kept_code, kept = verify(trail, tmp_path / "a", tmp_path / "kept.json")
    changed_code, changed = verify(trail, tmp_path / "b", tmp_path / "changed.json")

    assert kept_code == 0, kept
    assert changed_code == 1
    assert "does NOT verify" in changed


def test_a_report_without_a_signature_is_recomputed_as_before(
    demo: Platform, tmp_path: Path
) -> None:
    trail = audit_of(demo)
    report, _, _ = signed(trail)
    (tmp_path / "report.json").write_text(json.dumps(report))

    code, output = verify(trail, tmp_path, tmp_path / "report.json")

    assert code == 0, output
    assert "report signature" not in output
