"""The audit trail over HTTP: the public key, checkpoints and proofs for funders and
coordinators, and nothing for other roles."""

from __future__ import annotations

import base64

import httpx
import pytest

from domain.audit.merkle import verify_consistency, verify_inclusion
from domain.pin import pin_id_for
from gateway.bootstrap import Platform
from projections import queries as q
from services.audit.records import records_after
from services.context import Role
from tests.audit.conftest import audit_of
from tests.conftest import GraphQLClient

pytestmark = pytest.mark.e2e

CHECKPOINTS = "query($pin: String) { auditCheckpoints(pin: $pin) { tree treeSize rootHash note } }"
INCLUSION = """
query($position: Int!, $pin: String) {
  inclusionProof(position: $position, pin: $pin) { leafIndex treeSize leafHash rootHash path }
}"""
CONSISTENCY = """
query($old: Int!) { consistencyProof(oldSize: $old) { oldSize newSize oldRoot newRoot path } }"""
ISSUE = "mutation($pin: String) { issueAuditCheckpoint(pin: $pin) { tree treeSize rootHash } }"


def test_the_public_key_is_published_over_http_and_graphql(
    demo: Platform, gateway: GraphQLClient
) -> None:
    over_http = httpx.get(f"{gateway.base_url}/audit/public-key").json()
    funder = gateway.token(Role.FUNDER, tenant=None, subject="allies")
    over_graphql = gateway.data("{ auditPublicKey { base64 keyId algorithm } }", token=funder)

    assert over_http["algorithm"] == "Ed25519"
    assert over_http["public_key"] == over_graphql["auditPublicKey"]["base64"]
    assert over_http["key_id"] == over_graphql["auditPublicKey"]["keyId"]
    assert len(base64.b64decode(over_http["public_key"])) == 32


def test_a_funder_gets_proofs_that_verify_against_the_signed_checkpoint(
    demo: Platform, gateway: GraphQLClient
) -> None:
    funder = gateway.token(Role.FUNDER, tenant=None, subject="allies")
    signed = audit_of(demo).log.latest_checkpoint()
    assert signed is not None
    record = records_after(demo.store, 0, 10_000)[123]

    proof = gateway.data(INCLUSION, {"position": record.position}, token=funder)["inclusionProof"]
    consistency = gateway.data(CONSISTENCY, {"old": 500}, token=funder)["consistencyProof"]

    assert proof["treeSize"] == signed.tree_size
    assert proof["leafHash"] == record.leaf_hash().hex()
    assert verify_inclusion(
        proof["leafIndex"],
        proof["treeSize"],
        record.leaf_hash(),
        [bytes.fromhex(h) for h in proof["path"]],
        signed.root_hash,
    )
    assert consistency["newRoot"] == signed.root_hash.hex()
    assert verify_consistency(
        500,
        signed.tree_size,
        bytes.fromhex(consistency["oldRoot"]),
        signed.root_hash,
        [bytes.fromhex(h) for h in consistency["path"]],
    )


def test_a_coordinator_proves_their_own_pins_events_and_no_other_pins(
    demo: Platform, gateway: GraphQLClient
) -> None:
    arec = gateway.token(Role.COORDINATOR, tenant="arec")
    stored = records_after(demo.store, 0, 10_000)
    own = next(r for r in stored if r.tenant_id == str(pin_id_for("arec")))
    other = next(r for r in stored if r.tenant_id == str(pin_id_for("iccc")))

    issued = gateway.data(ISSUE, {"pin": "arec"}, token=arec)["issueAuditCheckpoint"]
    proof = gateway.data(INCLUSION, {"position": own.position, "pin": "arec"}, token=arec)

    assert issued["tree"] == str(pin_id_for("arec"))
    assert proof["inclusionProof"]["treeSize"] == issued["treeSize"]
    assert gateway.error_code(INCLUSION, {"position": other.position}, token=arec) == "NOT_FOUND"
    assert gateway.error_code(CHECKPOINTS, {"pin": "iccc"}, token=arec) == "FORBIDDEN"
    assert gateway.error_code(ISSUE, {"pin": "iccc"}, token=arec) == "FORBIDDEN"


def test_other_roles_get_no_proofs_and_strangers_nothing(
    demo: Platform, gateway: GraphQLClient
) -> None:
    arec = str(pin_id_for("arec"))
    with demo.read_models.reading(arec) as conn:
        (_, someone), *_ = q.mentors(conn, arec, first=1, after=None).items
    mentor = gateway.token(Role.MENTOR, tenant="arec", subject=someone.id)
    network = gateway.token(Role.NETWORK, tenant=None, subject="imn")

    assert gateway.error_code(CHECKPOINTS, token=mentor) == "FORBIDDEN"
    assert gateway.error_code(CONSISTENCY, {"old": 1}, token=network) == "FORBIDDEN"
    assert gateway.error_code(CHECKPOINTS, token=None) == "UNAUTHENTICATED"
    assert gateway.error_code("{ funderReport { scope } }", token=mentor) == "FORBIDDEN"


def test_a_proof_for_a_size_the_log_does_not_have_is_bad_input(
    demo: Platform, gateway: GraphQLClient
) -> None:
    funder = gateway.token(Role.FUNDER, tenant=None, subject="allies")
    query = "{ consistencyProof(oldSize: 10, newSize: 999999) { path } }"

    assert gateway.error_code(query, token=funder) == "BAD_INPUT"
