"""`mentoring audit ...` as an operator and an auditor use it, and the follower's schedule."""

from __future__ import annotations

import base64
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from domain.audit.merkle import verify_inclusion
from gateway.audit.trail import AuditTrail
from gateway.bootstrap import Platform
from gateway.cli import app
from services import commands as c
from services import use_cases as uc
from services.audit.records import records_after
from services.audit.signing import SigningKeyError, load_signer
from services.demo import seed_demo
from services.settings import Settings
from tests.audit.conftest import DEMO_DAY, audit_of
from tests.services.conftest import ADMIN

runner = CliRunner()


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MENTORING_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("MENTORING_KAFKA_BOOTSTRAP_SERVERS", raising=False)
    return settings


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_pins_own_tree_exports_and_verifies_with_its_inclusion_proof(
    demo: Platform, env: Settings, tmp_path: Path
) -> None:
    checkpoint = json.loads(run("audit", "checkpoint", "--pin", "chc"))
    record = next(
        r for r in records_after(demo.store, 0, 10_000) if r.tenant_id == checkpoint["tree"]
    )
    (tmp_path / "proof.json").write_text(
        run("audit", "prove", "inclusion", "--position", str(record.position), "--pin", "chc")
    )
    run("audit", "export", str(tmp_path / "chc"), "--pin", "chc")

    output = run("audit", "verify", str(tmp_path / "chc"), "--proof", str(tmp_path / "proof.json"))

    assert "FAIL" not in output
    assert f"size {checkpoint['tree_size']} root" in output
    assert "inclusion proof: proof.json: leaf 0" in output
    proof = json.loads((tmp_path / "proof.json").read_text())
    assert verify_inclusion(
        0,
        checkpoint["tree_size"],
        record.leaf_hash(),
        [bytes.fromhex(h) for h in proof["path"]],
        bytes.fromhex(checkpoint["root_hash"]),
    )


def test_follow_drain_appends_and_signs_what_is_due(platform: Platform, env: Settings) -> None:
    seed_demo(platform.store, today=DEMO_DAY)
    result = runner.invoke(app, ["audit", "follow", "--drain"])

    assert result.exit_code == 0, result.output
    checkpoints = json.loads(run("audit", "checkpoints"))
    assert checkpoints[0]["tree_size"] == platform.store.recorder.max_notification_id()
    assert run("audit", "public-key").strip() == load_signer(env).public_key_base64


def test_the_embedded_follower_appends_new_events_and_signs_on_schedule(
    demo: Platform, settings: Settings
) -> None:
    trail = AuditTrail(
        settings.model_copy(update={"audit_checkpoint_interval": 0.05}),
        demo.store,
        demo.read_models,
    )
    before = audit_of(demo).log.latest_checkpoint()
    assert before is not None
    uc.register_pin(demo.store, c.RegisterPin("ttc", "Tamil Tech", ["Tamil"], ["IT"]), ADMIN)
    stopping = threading.Event()
    follower = threading.Thread(target=trail.follow, args=(stopping, 0.01))
    follower.start()
    deadline = time.monotonic() + 10
    while (latest := trail.log.latest_checkpoint()) is None or latest.tree_size == before.tree_size:
        assert time.monotonic() < deadline, "no scheduled checkpoint"
        time.sleep(0.02)
    stopping.set()
    follower.join()

    assert latest.tree_size == before.tree_size + 1
    assert trail.log.root_at("global", before.tree_size) == before.root_hash


def test_without_a_key_in_production_nothing_is_signed(env: Settings) -> None:
    with pytest.raises(SigningKeyError, match="MENTORING_AUDIT_SIGNING_KEY"):
        load_signer(env.model_copy(update={"environment": "production"}))


def test_a_configured_key_signs_from_base64_or_a_file(env: Settings, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "key.pem").write_bytes(pem)

    from_base64 = load_signer(
        env.model_copy(update={"audit_signing_key": base64.b64encode(raw).decode()})
    )
    from_file = load_signer(env.model_copy(update={"audit_signing_key": str(tmp_path / "key.pem")}))

    assert from_base64.public_key == from_file.public_key != load_signer(env).public_key


def test_a_scheduled_global_checkpoint_has_its_funder_report_ready(
    demo: Platform, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The follower computes the report of the global checkpoint it signs: the first funder
    to open the report after it does not wait for the events to be read again."""
    import gateway.audit.trail as audit_trail

    trail = AuditTrail(
        settings.model_copy(update={"audit_checkpoint_interval": 0.05}),
        demo.store,
        demo.read_models,
    )
    uc.register_pin(demo.store, c.RegisterPin("ttc", "Tamil Tech", ["Tamil"], ["IT"]), ADMIN)
    trail.pump()
    gathered: list[int] = []
    gather = audit_trail.gather

    def counted(envelopes: Any) -> Any:
        gathered.append(1)
        return gather(envelopes)

    monkeypatch.setattr(audit_trail, "gather", counted)
    issued = trail.sign_scheduled()
    assert [signed.tree for signed in issued].count(audit_trail.GLOBAL_TREE) == 1
    assert gathered == [1]  # computed by the follower

    report = trail.report()
    assert gathered == [1]  # served as prepared
    latest = trail.log.latest_checkpoint()
    assert latest is not None
    assert report["checkpoint"]["tree_size"] == latest.tree_size
