"""The audit trail wired to one platform: the audit projection fed from the event store,
checkpoints signed on a schedule and on demand, and funder reports by checkpoint.

Where it runs: embedded, a thread of the platform (started with the in-process relay);
in production, the ``mentoring audit follow`` process (any number may run; they take turns
on the tracking row). Gateways read proofs and checkpoints from the read models and sign
on-demand checkpoints themselves when they hold the key.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from domain.audit.checkpoint import SignedCheckpoint
from domain.audit.records import GLOBAL_TREE
from domain.envelope import EventEnvelope
from domain.pin import pin_id_for
from gateway.statistics_releases import StatisticsReleases
from projections.audit.funder_report import REPORT_FORMAT, report_document
from projections.audit.log import AuditLog
from projections.audit.programme_facts import gather
from projections.database import ReadModels
from services.audit.records import envelopes_after, records_after
from services.audit.signing import CheckpointSigner, load_signer, now_utc
from services.polling import Polling
from services.settings import Settings
from services.store import MentoringStore

log = logging.getLogger(__name__)

RELEASE_CHECK_SECONDS = 60.0  # how often the follower asks whether a release is due


class NoCheckpoint(LookupError):
    """No signed checkpoint exists yet to compute from."""


class LogRewritten(Exception):
    """The tree no longer extends its last checkpoint: nothing more is signed."""


class StoreDiffersFromAuditLog(Exception):
    """The event store no longer holds what the audit log recorded (see ``audit verify``)."""


class AuditTrail:
    def __init__(self, settings: Settings, store: MentoringStore, read_models: ReadModels) -> None:
        self.settings = settings
        self.store = store
        self.log = AuditLog(read_models)
        self._signer: CheckpointSigner | None = None
        self._polling = Polling(
            "audit", self._follow_once, "audit: following the event store failed; retrying"
        )
        self._next_checkpoint = 0.0  # monotonic time a scheduled checkpoint is due
        self.releases = StatisticsReleases(settings, read_models, self.log)
        self._next_release_check = 0.0

    # --- following the store ------------------------------------------------------------

    def pump(self) -> int:
        """Append every stored event not yet in the trees."""
        return self.log.pump(
            lambda position, limit: records_after(self.store, position, limit),
            self.settings.projection_batch_size,
        )

    def follow(self, stopping: threading.Event, poll_interval: float) -> None:
        """Follow the store until ``stopping``; sign checkpoints as scheduled."""
        self._polling.run(stopping, poll_interval)

    def _follow_once(self) -> None:
        self.pump()
        self.sign_scheduled()
        self.release_if_due()

    def sign_scheduled(self) -> list[SignedCheckpoint]:
        """The checkpoints due now; when the global tree was signed, its funder report is
        computed here, in the follower, so that the first funder who opens it after a new
        checkpoint does not wait for it."""
        issued = self.checkpoint_if_due()
        if any(signed.tree == GLOBAL_TREE for signed in issued):
            try:
                self.report()
            except Exception:
                log.exception("audit: could not prepare the funder report of the checkpoint")
        return issued

    def start(self, poll_interval: float) -> None:
        self._polling.start(poll_interval)

    def stop(self) -> None:
        self._polling.stop()

    # --- checkpoints --------------------------------------------------------------------

    @property
    def signer(self) -> CheckpointSigner:
        if self._signer is None:
            self._signer = load_signer(self.settings)
        return self._signer

    def tree(self, pin: str | None) -> str:
        """The tree of a PIN (by slug), or the global tree."""
        return GLOBAL_TREE if not pin or pin == GLOBAL_TREE else str(pin_id_for(pin))

    def origin(self, tree: str) -> str:
        base = self.settings.audit_origin
        return base if tree == GLOBAL_TREE else f"{base}/pin/{tree}"

    def issue_checkpoint(self, tree: str = GLOBAL_TREE) -> SignedCheckpoint:
        """Sign the tree as it is now (after catching up with the store)."""
        self.pump()
        return self._sign(tree)

    def _sign(self, tree: str) -> SignedCheckpoint:
        """Sign ``tree``, after checking that it still extends its latest checkpoint."""
        latest = self.log.latest_checkpoint(tree)
        if latest is not None:
            head = self.log.head(tree)
            if head.size < latest.tree_size or (
                self.log.root_at(tree, latest.tree_size) != latest.root_hash
            ):
                raise LogRewritten(
                    f"The {tree} tree ({head.size} leaves) does not extend {latest.describe()}: "
                    "the event store or the audit log was changed. Nothing was signed; "
                    "run `mentoring audit verify` on an export."
                )
        return self.log.issue_checkpoint(tree, self.origin(tree), now_utc(), self.signer.sign)

    def checkpoint_if_due(self) -> list[SignedCheckpoint]:
        """On schedule: sign every tree that grew since its last checkpoint."""
        interval = self.settings.audit_checkpoint_interval
        if not interval or time.monotonic() < self._next_checkpoint:
            return []
        grown = self.log.grown_since_checkpoint()
        if not grown:
            return []
        self._next_checkpoint = time.monotonic() + interval
        issued = [self._sign(tree) for tree in grown]
        log.info("audit: signed %d checkpoint(s)", len(issued))
        return issued

    def release_if_due(self) -> None:
        """On schedule, after the checkpoints: a release of the public statistics."""
        interval = self.settings.statistics_release_interval
        if not interval or time.monotonic() < self._next_release_check:
            return
        self._next_release_check = time.monotonic() + min(interval, RELEASE_CHECK_SECONDS)
        self.releases.release_if_due()

    # --- reports ------------------------------------------------------------------------

    def envelopes_in(self, tree_size: int) -> Iterator[EventEnvelope]:
        """The first ``tree_size`` events of the global tree, decoded, in store order."""
        if not tree_size:
            return
        last = self.log.leaf(GLOBAL_TREE, tree_size - 1)
        if last is None:
            raise NoCheckpoint(f"The audit log has fewer than {tree_size} events.")
        position, seen = 0, 0
        while position < last.position:
            batch = envelopes_after(self.store, position, 1000)
            if not batch:
                break
            for envelope in batch:
                if envelope.position > last.position:
                    break
                seen += 1
                yield envelope
            position = batch[-1].position
        if seen != tree_size:
            raise StoreDiffersFromAuditLog(
                f"The event store holds {seen} events up to position {last.position}; the "
                f"audit log recorded {tree_size}. Run `mentoring audit verify` on an export."
            )

    def report(self, tenant: str | None = None, threshold: int | None = None) -> dict[str, Any]:
        """The funder report at the latest signed global checkpoint (cached by checkpoint).

        ``tenant``: one PIN's own figures, unsuppressed; else every PIN, suppressed.
        """
        threshold = threshold or self.settings.statistics_threshold
        checkpoint = self.log.latest_checkpoint(GLOBAL_TREE)
        if checkpoint is None:
            raise NoCheckpoint(
                "No audit checkpoint has been signed yet: the platform's operator signs one "
                "(`mentoring audit checkpoint`, `mentoring report --new-checkpoint`, or the "
                "issueAuditCheckpoint mutation as the platform admin)."
            )
        # The report's format is part of the key: a stored report of an older format is not
        # served once the way reports are made has changed.
        key = (
            f"{REPORT_FORMAT}:{checkpoint.tree_size}:{checkpoint.root_hash.hex()}:"
            f"{threshold}:{tenant or '*'}"
        )
        cached = self.log.cached_report(key)
        if cached is not None:
            return cached
        facts = gather(self.envelopes_in(checkpoint.tree_size))
        document = report_document(facts, checkpoint.to_json(), threshold=threshold, tenant=tenant)
        self.log.cache_report(key, checkpoint.tree_size, document)
        return document

    # --- proofs as documents (GraphQL and CLI hand out the same JSON) -------------------

    def proof_size(self, tree: str, tree_size: int | None) -> int:
        """The size a proof is for: as asked, else the latest checkpoint's, else the tree's."""
        if tree_size is not None:
            return tree_size
        latest = self.log.latest_checkpoint(tree)
        return latest.tree_size if latest else self.log.head(tree).size

    def inclusion_document(
        self, tree: str, position: int, tree_size: int | None = None
    ) -> dict[str, Any]:
        """The inclusion proof of the event stored at ``position`` in ``tree``."""
        leaf = self.log.leaf_at(position)
        if leaf is None or (tree != GLOBAL_TREE and leaf.tenant_id != tree):
            raise LookupError(f"No event at store position {position} in this tree (yet).")
        size = self.proof_size(tree, tree_size)
        index = leaf.index_in(tree)
        if index >= size:
            raise ValueError(f"The event is leaf {index}; a tree of {size} leaves lacks it.")
        return self._proof(
            "inclusion",
            tree,
            self.log.inclusion_proof(tree, index, size),
            position=position,
            leaf_index=index,
            tree_size=size,
            leaf_hash=leaf.leaf_hash.hex(),
            root_hash=self.log.root_at(tree, size).hex(),
        )

    def consistency_document(
        self, tree: str, old_size: int, new_size: int | None = None
    ) -> dict[str, Any]:
        """The consistency proof between two sizes of ``tree`` (new: latest checkpoint)."""
        new = self.proof_size(tree, new_size)
        return self._proof(
            "consistency",
            tree,
            self.log.consistency_proof(tree, old_size, new),
            old_size=old_size,
            new_size=new,
            old_root=self.log.root_at(tree, old_size).hex(),
            new_root=self.log.root_at(tree, new).hex(),
        )

    def _proof(self, kind: str, tree: str, path: list[bytes], **figures: Any) -> dict[str, Any]:
        """A proof as a document: what it proves, of which tree, and the path's hashes."""
        return {
            "proof": kind,
            "tree": tree,
            "origin": self.origin(tree),
            **figures,
            "path": [h.hex() for h in path],
        }


def public_key_document(platform: Any) -> dict[str, str]:
    """What ``GET /audit/public-key`` answers: the checkpoint key and the log's origin."""
    trail: AuditTrail | None = platform.audit
    if trail is None:
        raise LookupError("This platform has no audit trail.")
    signer = trail.signer
    return {
        "algorithm": "Ed25519",
        "key_id": signer.key_id,
        "public_key": signer.public_key_base64,
        "pem": signer.public_key_pem,
        "origin": trail.settings.audit_origin,
    }
