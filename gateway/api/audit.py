"""The audit trail and funder reports over GraphQL.

The public key is public. Checkpoints and proofs: funders (every tree) and coordinators (the
global tree and their own PIN's; inclusion proofs of their own PIN's events only). Signing a
checkpoint on demand: the platform admin (any tree) and a coordinator (their own PIN's tree);
the global tree is otherwise signed on schedule, and the funder, who verifies, signs nothing.
Funder reports: funders and network operators see every PIN, small cells suppressed; a
coordinator sees their own PIN's figures. Every answer names the checkpoint it rests on;
``document`` fields hold the JSON that ``mentoring audit verify`` checks offline.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, TypeVar

import anyio.to_thread
import strawberry

from domain.audit.checkpoint import SignedCheckpoint
from domain.audit.records import GLOBAL_TREE
from gateway.audit.trail import AuditTrail, NoCheckpoint
from gateway.conversion import FromRow
from gateway.permissions import ProofReaders, ReportReaders
from gateway.types import Ctx
from projections import queries as q
from projections.audit.rows import UnknownTreeSize
from services.audit.signing import CheckpointSigner, SigningKeyError
from services.context import Role
from services.errors import BadInput, Forbidden, NotFound

SIGNING_ROLES = (Role.ADMIN, Role.COORDINATOR)
D = TypeVar("D", bound=FromRow)


def _document(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True)


def _of_document(kind: type[D], data: dict[str, Any]) -> D:
    """A checkpoint or proof from its JSON document: the same-named values, and the document."""
    return kind.of(SimpleNamespace(**data), document=_document(data))


def _checkpoint(signed: SignedCheckpoint) -> AuditCheckpoint:
    return _of_document(AuditCheckpoint, signed.to_json())


@strawberry.type
class AuditPublicKey:
    algorithm: str
    key_id: str
    base64: str = strawberry.field(description="The 32-byte Ed25519 public key, base64.")
    pem: str


@strawberry.type
class AuditCheckpoint(FromRow):
    tree: str = strawberry.field(description="'global', or the tenant id of a PIN's tree.")
    origin: str
    tree_size: int
    root_hash: str = strawberry.field(description="Hex.")
    issued_at: str
    key_id: str
    signature: str = strawberry.field(description="Ed25519 over `note`, base64.")
    note: str = strawberry.field(description="The signed text: origin, size, root, time.")
    document: str = strawberry.field(description="JSON for `mentoring audit verify`.")


@strawberry.type
class InclusionProof(FromRow):
    tree: str
    position: int = strawberry.field(description="Store position of the event.")
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    path: list[str] = strawberry.field(description="Sibling hashes, leaf upwards (hex).")
    document: str


@strawberry.type
class ConsistencyProof(FromRow):
    tree: str
    old_size: int
    new_size: int
    old_root: str
    new_root: str
    path: list[str]
    document: str


@strawberry.type
class ReportFigure:
    name: str
    value: int | None = strawberry.field(description="Null when suppressed (or no data).")
    suppressed: bool


@strawberry.type
class ReportColumn:
    pin: str | None = strawberry.field(description="The PIN's slug; null for the total.")
    figures: list[ReportFigure]
    headline: str


@strawberry.type
class ReportSection:
    kind: str = strawberry.field(description="programme, round or cohort.")
    name: str
    cohort_id: strawberry.ID | None
    columns: list[ReportColumn]
    total: ReportColumn


@strawberry.type
class FunderReport:
    scope: str
    checkpoint_tree_size: int
    checkpoint_root_hash: str
    checkpoint_issued_at: str
    small_cell_threshold: int
    suppressed_across_pins: bool
    sections: list[ReportSection]
    document: str = strawberry.field(description="The report as JSON, for `audit verify`.")
    checkpoint: AuditCheckpoint | None = strawberry.field(
        description="The signed checkpoint the report names: its signature covers the tree "
        "size and root, not the figures."
    )
    signature: str | None = strawberry.field(
        description="Ed25519 over 'funder report' and a newline, then `document` (canonical "
        "JSON: sorted keys, ASCII), base64, with the checkpoint key: the platform stated these "
        "figures for that checkpoint. Null when this gateway holds no signing key."
    )


def _column(data: dict[str, Any]) -> ReportColumn:
    hidden = set(data["suppressed"])
    return ReportColumn(
        pin=data["pin"],
        figures=[
            ReportFigure(name=k, value=v, suppressed=k in hidden)
            for k, v in data["figures"].items()
        ],
        headline=data["headline"],
    )


def _report(
    document: dict[str, Any], signed: SignedCheckpoint | None, signer: CheckpointSigner | None
) -> FunderReport:
    checkpoint, text = document["checkpoint"], _document(document)
    return FunderReport(
        scope=document["scope"],
        checkpoint_tree_size=checkpoint["tree_size"],
        checkpoint_root_hash=checkpoint["root_hash"],
        checkpoint_issued_at=checkpoint["issued_at"],
        small_cell_threshold=document["small_cell_threshold"],
        suppressed_across_pins=document["suppressed_across_pins"],
        sections=[
            ReportSection(
                kind=s["kind"],
                name=s["name"],
                cohort_id=strawberry.ID(s["cohort_id"]) if s.get("cohort_id") else None,
                columns=[_column(c) for c in s["columns"]],
                total=_column(s["total"]),
            )
            for s in document["sections"]
        ],
        document=text,
        checkpoint=_checkpoint(signed) if signed else None,
        signature=base64.b64encode(signer.sign_report(text)).decode() if signer else None,
    )


def _report_signer(trail: AuditTrail) -> CheckpointSigner | None:
    try:
        return trail.signer
    except SigningKeyError:
        return None


def _trail(info: Ctx) -> AuditTrail:
    trail = info.context.platform.audit
    if trail is None:
        raise NotFound("audit trail", "of this platform")
    return trail


def _tree(info: Ctx, pin: str | None) -> str:
    """The tree asked for, if the caller may read it."""
    caller, tree = info.context.principal(), _trail(info).tree(pin)
    if caller.role == Role.COORDINATOR and tree not in (GLOBAL_TREE, str(caller.tenant_id)):
        raise Forbidden("A coordinator may read the global tree and their own PIN's tree only.")
    return tree


def _answer(work: Any) -> Any:
    try:
        return work()
    except (UnknownTreeSize, ValueError) as error:
        raise BadInput(str(error)) from None
    except (NoCheckpoint, LookupError) as error:
        raise NotFound("audit record", str(error).rstrip(".")) from None


async def _proven(kind: type[D], document: Callable[[], dict[str, Any]]) -> D:
    """A proof: its document, worked out on a worker thread."""
    return _of_document(kind, await anyio.to_thread.run_sync(_answer, document))


@strawberry.type
class AuditQuery:
    @strawberry.field(description="The Ed25519 key that signs audit checkpoints (public).")
    def audit_public_key(self, info: Ctx) -> AuditPublicKey:
        signer = _trail(info).signer
        return AuditPublicKey(
            algorithm="Ed25519",
            key_id=signer.key_id,
            base64=signer.public_key_base64,
            pem=signer.public_key_pem,
        )

    @strawberry.field(
        description="Signed checkpoints of the global tree or a PIN's (by slug).",
        permission_classes=[ProofReaders],
    )
    async def audit_checkpoints(
        self, info: Ctx, pin: str | None = None, first: int = 20
    ) -> list[AuditCheckpoint]:
        tree = _tree(info, pin)
        limit = max(1, min(first, 100))
        signed = await anyio.to_thread.run_sync(_trail(info).log.checkpoints, tree, limit)
        return [_checkpoint(c) for c in signed]

    @strawberry.field(
        description="Proof that the event at a store position is in the tree of `treeSize` "
        "leaves (default: the latest checkpoint).",
        permission_classes=[ProofReaders],
    )
    async def inclusion_proof(
        self, info: Ctx, position: int, tree_size: int | None = None, pin: str | None = None
    ) -> InclusionProof:
        caller, tree, trail = info.context.principal(), _tree(info, pin), _trail(info)
        if caller.role == Role.COORDINATOR:
            leaf = await anyio.to_thread.run_sync(trail.log.leaf_at, position)
            if leaf is None or leaf.tenant_id != str(caller.tenant_id):
                raise NotFound("event", position)
        return await _proven(
            InclusionProof, lambda: trail.inclusion_document(tree, position, tree_size)
        )

    @strawberry.field(
        description="Proof that the tree of `oldSize` leaves is a prefix of the tree of "
        "`newSize` (default: the latest checkpoint).",
        permission_classes=[ProofReaders],
    )
    async def consistency_proof(
        self, info: Ctx, old_size: int, new_size: int | None = None, pin: str | None = None
    ) -> ConsistencyProof:
        tree, trail = _tree(info, pin), _trail(info)
        return await _proven(
            ConsistencyProof, lambda: trail.consistency_document(tree, old_size, new_size)
        )

    @strawberry.field(
        description="Per cohort, round and programme, per PIN and in total, computed from "
        "the latest signed checkpoint. Across PINs, small cells are suppressed.",
        permission_classes=[ReportReaders],
    )
    async def funder_report(self, info: Ctx) -> FunderReport:
        caller = info.context.principal()
        info.context.cacheable = False  # a new checkpoint changes the answer, not the projection
        trail = _trail(info)
        tenant = str(caller.tenant_id) if caller.role == Role.COORDINATOR else None
        document = await anyio.to_thread.run_sync(lambda: _answer(lambda: trail.report(tenant)))
        named = document["checkpoint"]
        signed = await anyio.to_thread.run_sync(
            trail.log.checkpoint, named["tree"], named["tree_size"]
        )
        return _report(document, signed, _report_signer(trail))


@strawberry.type
class AuditMutation:
    @strawberry.mutation(description="Sign a checkpoint of the tree now (global, or a PIN's).")
    async def issue_audit_checkpoint(self, info: Ctx, pin: str | None = None) -> AuditCheckpoint:
        caller = info.context.principal()
        if caller.role not in SIGNING_ROLES:
            raise Forbidden(
                "Checkpoints are signed on schedule; on demand, only the platform admin signs "
                "one, and a PIN's coordinator one of their own PIN's tree."
            )
        tree, trail = _trail(info).tree(pin), _trail(info)
        if caller.role == Role.COORDINATOR and tree != str(caller.tenant_id):
            raise Forbidden(
                "A coordinator signs checkpoints of their own PIN's tree only (pin: your "
                "PIN's slug); the global tree is signed on schedule."
            )
        if tree != GLOBAL_TREE and await info.context.read(q.pin, tree) is None:
            raise NotFound("PIN", pin)  # signs no tree of a PIN that does not exist
        signed = await anyio.to_thread.run_sync(trail.issue_checkpoint, tree)
        return _checkpoint(signed)
