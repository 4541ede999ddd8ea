"""An auditor's offline checks catch what was changed after the fact, and name it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from domain.audit.checkpoint import SignedCheckpoint
from domain.pin import pin_id_for
from gateway.bootstrap import Platform
from gateway.cli import app
from services import commands as c
from services import use_cases as uc
from services.audit.records import records_after
from services.settings import Settings
from tests.audit.conftest import (
    audit_of,
    change_stored_event,
    delete_stored_event,
    events_table,
    forget_audit_log,
)
from tests.services.conftest import coordinator

runner = CliRunner()


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """`mentoring` against the test's event store."""
    monkeypatch.setenv("MENTORING_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("MENTORING_KAFKA_BOOTSTRAP_SERVERS", raising=False)
    return runner


def mentoring(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.output


def export_and_verify(cli: CliRunner, folder: Path, *extra: str) -> tuple[int, str]:
    code, output = mentoring(cli, "audit", "export", str(folder))
    assert code == 0, output
    key = folder.parent / "key.pem"
    key.write_text(audit_key(cli))
    return mentoring(cli, "audit", "verify", str(folder), "--public-key", str(key), *extra)


def audit_key(cli: CliRunner) -> str:
    code, output = mentoring(cli, "audit", "public-key", "--pem")
    assert code == 0, output
    return output


def test_an_untouched_store_verifies(demo: Platform, cli: CliRunner, tmp_path: Path) -> None:
    code, output = export_and_verify(cli, tmp_path / "export")

    assert code == 0, output
    assert "0 failed" in output
    assert "export rebuilds checkpoint" in output


def test_changing_one_byte_of_one_stored_event_fails_verification_and_names_that_event(
    demo: Platform, settings: Settings, cli: CliRunner, tmp_path: Path
) -> None:
    stored = records_after(demo.store, 0, 10_000)
    outcome = next(r for r in stored if r.topic.endswith("Mentee.OutcomeRecorded"))
    at = outcome.state.index(b"job_in_field") + len("job_in_")
    changed = outcome.state[:at] + b"F" + outcome.state[at + 1 :]  # one byte: f -> F
    assert len(changed) == len(outcome.state)

    change_stored_event(settings, events_table(demo), outcome.position, changed)
    code, output = export_and_verify(cli, tmp_path / "export")

    assert code == 1, output
    failure = next(line for line in output.splitlines() if line.startswith("FAIL"))
    assert f"store position {outcome.position} " in failure
    assert str(outcome.originator_id) in failure
    assert "First event that does not match" in failure


def test_removing_the_last_event_is_caught_by_the_consistency_check_against_an_earlier_checkpoint(
    demo: Platform, settings: Settings, cli: CliRunner, tmp_path: Path
) -> None:
    trail = audit_of(demo)
    earlier = trail.log.latest_checkpoint()
    assert earlier is not None
    kept = tmp_path / "earlier-checkpoint.json"  # the auditor keeps what was signed
    kept.write_text(json.dumps(earlier.to_json()))
    last = records_after(demo.store, 0, 10_000)[-1]

    delete_stored_event(settings, events_table(demo), last.position)
    forget_audit_log(demo)  # the trees are derived again from what the store now holds
    trail.pump()
    for name in ("Career fair", "Mock interviews"):  # later events hide the gap in size
        mentee = next(
            r
            for r in records_after(demo.store, 0, 10_000)
            if r.topic.endswith("Mentee.Enrolled") and r.tenant_id == str(pin_id_for("arec"))
        )
        uc.record_training(
            demo.store,
            c.RecordTraining(mentee.originator_id, name, date(2026, 5, 1)),
            coordinator("arec"),
        )
    trail.pump()
    later = trail.log.issue_checkpoint(
        "global", trail.origin("global"), "2026-12-01T00:00:00Z", trail.signer.sign
    )
    assert later.tree_size == earlier.tree_size + 1
    code, proof = mentoring(cli, "audit", "prove", "consistency", "--old", str(earlier.tree_size))
    assert code == 0, proof
    (tmp_path / "consistency.json").write_text(proof)

    code, output = export_and_verify(
        cli,
        tmp_path / "export",
        "--checkpoint",
        str(kept),
        "--proof",
        str(tmp_path / "consistency.json"),
    )

    assert code == 1, output
    assert f"FAIL  consistency proof: consistency.json: size {earlier.tree_size} to" in output
    assert "FAIL  consistency: " in output
    assert "is NOT a prefix of" in output


def test_the_platform_refuses_to_sign_a_log_that_no_longer_extends_its_checkpoint(
    demo: Platform, settings: Settings
) -> None:
    trail = audit_of(demo)
    last = records_after(demo.store, 0, 10_000)[-1]

    delete_stored_event(settings, events_table(demo), last.position)
    forget_audit_log(demo)

    with pytest.raises(Exception, match="does not extend"):
        trail.issue_checkpoint()


def test_a_forged_checkpoint_signature_fails(
    demo: Platform, cli: CliRunner, tmp_path: Path
) -> None:
    signed = audit_of(demo).log.latest_checkpoint()
    assert signed is not None
    forged = signed.to_json()
    forged["root_hash"] = "00" * 32  # a different root under the old signature
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    signature = bytearray(signed.signature)
    signature[0] ^= 1  # one bit of the signature
    garbled = SignedCheckpoint(signed.tree, signed.checkpoint, signed.key_id, bytes(signature))
    (tmp_path / "garbled.json").write_text(json.dumps(garbled.to_json()))

    code, output = export_and_verify(
        cli,
        tmp_path / "export",
        "--checkpoint",
        str(tmp_path / "forged.json"),
        "--checkpoint",
        str(tmp_path / "garbled.json"),
    )

    assert code == 1, output
    failures = [line for line in output.splitlines() if line.startswith("FAIL")]
    assert len(failures) == 2
    assert all("signature" in line and "does NOT verify" in line for line in failures)


def test_a_checkpoint_checked_against_another_key_fails(
    demo: Platform, cli: CliRunner, tmp_path: Path
) -> None:
    stranger = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert mentoring(cli, "audit", "export", str(tmp_path / "export"))[0] == 0
    (tmp_path / "stranger.pem").write_bytes(stranger)

    code, output = mentoring(
        cli,
        "audit",
        "verify",
        str(tmp_path / "export"),
        "--public-key",
        str(tmp_path / "stranger.pem"),
    )

    assert code == 1
    assert "does NOT verify with the key" in output


def prove(cli: CliRunner, *args: str) -> dict[str, Any]:
    """A proof printed by `mentoring audit prove ...`, as the auditor receives it."""
    code, output = mentoring(cli, "audit", "prove", *args)
    assert code == 0, output
    document: dict[str, Any] = json.loads(output)
    return document


def test_a_proof_whose_leaf_hash_borrowed_bytes_from_its_first_node_fails_as_malformed(
    demo: Platform, cli: CliRunner, tmp_path: Path
) -> None:
    record = records_after(demo.store, 0, 10_000)[10]
    proof = prove(cli, "inclusion", "--position", str(record.position))
    index, size = proof["leaf_index"], proof["tree_size"]
    # A left child that is not the last leaf: its first sibling is on its right.
    assert index % 2 == 0
    assert index < size - 1
    leaf, first = bytes.fromhex(proof["leaf_hash"]), bytes.fromhex(proof["path"][0])
    # SHA-256(0x01 || leaf || node) hashes the same bytes however they are split between the
    # two, so the forged proof still leads to the signed root: only the lengths give it away.
    proof["leaf_hash"], proof["path"][0] = (leaf + first[:4]).hex(), first[4:].hex()
    (tmp_path / "proof.json").write_text(json.dumps(proof))

    code, output = export_and_verify(
        cli, tmp_path / "export", "--proof", str(tmp_path / "proof.json")
    )

    assert code == 1, output
    assert (
        f"FAIL  inclusion proof: proof.json: leaf {index} in size {size}: malformed: "
        "The leaf hash is 36 bytes; a SHA-256 hash is 32." in output
    )
    assert f"proof.json: leaf {index} in size {size}: verifies" not in output


def test_a_consistency_proof_from_the_empty_tree_vouches_for_no_root(
    demo: Platform, cli: CliRunner, tmp_path: Path
) -> None:
    proof = prove(cli, "consistency", "--old", "0")
    proof["new_size"], proof["new_root"] = 10**6, "ab" * 32  # a tree no checkpoint signed
    (tmp_path / "empty.json").write_text(json.dumps(proof))

    code, output = export_and_verify(
        cli, tmp_path / "export", "--proof", str(tmp_path / "empty.json")
    )

    assert code == 1, output
    assert (
        "FAIL  consistency proof: empty.json: size 0 to 1000000: malformed: A consistency "
        "proof from the empty tree proves nothing about the tree of size 1000000" in output
    )


def test_a_proof_file_with_a_node_that_is_not_hex_fails_and_says_so(
    demo: Platform, cli: CliRunner, tmp_path: Path
) -> None:
    record = records_after(demo.store, 0, 10_000)[10]
    proof = prove(cli, "inclusion", "--position", str(record.position))
    proof["path"][1] = "not hex"
    (tmp_path / "proof.json").write_text(json.dumps(proof))

    code, output = export_and_verify(
        cli, tmp_path / "export", "--proof", str(tmp_path / "proof.json")
    )

    assert code == 1, output
    assert "FAIL  proof: proof.json is malformed: ValueError(" in output
    assert "passed, 1 failed" in output
