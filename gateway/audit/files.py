"""The auditor's files: writing an export, and verifying it offline.

An export is a folder:

- ``events.jsonl``: every stored event of the tree in store order, exactly as stored (state
  in base64), with its index in the tree and the leaf hash the audit log recorded for it;
- ``checkpoints.json``: the tree's signed checkpoints, oldest first;
- ``public-key.pem``: the key the server says it signs with (an auditor checks against a key
  obtained independently, e.g. from ``GET /audit/public-key`` at an agreed time);
- ``manifest.json``: which tree, its origin, how many events.

``verify`` needs nothing but these files (and optional checkpoint, proof and report files, a
report's signature too: ``audit_report_files``): no database, no network.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from domain.audit.checkpoint import SignedCheckpoint
from domain.audit.merkle import Frontier, MalformedProof, verify_consistency, verify_inclusion
from domain.audit.records import GLOBAL_TREE, EventRecord
from domain.pin import pin_id_for
from gateway.audit.report_files import signed_report
from gateway.audit.trail import AuditTrail
from projections.audit.funder_report import report_document
from projections.audit.programme_facts import gather
from services.audit.records import OfflineDecoder, records_after
from services.audit.signing import now_utc, parse_public_key, verify_signature

EVENTS, CHECKPOINTS, PUBLIC_KEY, MANIFEST = (
    "events.jsonl",
    "checkpoints.json",
    "public-key.pem",
    "manifest.json",
)


# --- export ---------------------------------------------------------------------------------


def export(trail: AuditTrail, folder: Path, tree: str = GLOBAL_TREE) -> int:
    """Write the export of ``tree`` into ``folder``; return the number of events."""
    folder.mkdir(parents=True, exist_ok=True)
    count, position = 0, 0
    with (folder / EVENTS).open("w") as out:
        while batch := records_after(trail.store, position, 1000):
            position = batch[-1].position
            mine = [r for r in batch if tree == GLOBAL_TREE or r.tenant_id == tree]
            recorded = trail.log.leaves_at([r.position for r in mine])
            for record in mine:
                leaf = recorded.get(record.position)
                line = {
                    "index": count,
                    **record.to_json(),
                    "recorded_leaf_hash": leaf.leaf_hash.hex() if leaf else None,
                }
                out.write(json.dumps(line, sort_keys=True) + "\n")
                count += 1
    checkpoints = [c.to_json() for c in reversed(trail.log.checkpoints(tree))]
    (folder / CHECKPOINTS).write_text(json.dumps(checkpoints, indent=2) + "\n")
    (folder / PUBLIC_KEY).write_text(trail.signer.public_key_pem)
    manifest = {
        "tree": tree,
        "origin": trail.origin(tree),
        "events": count,
        "exported_at": now_utc(),
        "leaf": "SHA-256(0x00 || 0x01 || originator id (16) || version (8) || "
        "len(topic) (4) || topic || len(state) (8) || state)",
        "hashing": "RFC 9162 Merkle tree, SHA-256",
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return count


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    ok: bool
    check: str
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.check}: {self.detail}"


@dataclass(frozen=True)
class ExportedEvent:
    index: int
    record: EventRecord
    recorded: bytes | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExportedEvent:
        recorded = data.get("recorded_leaf_hash")
        return cls(
            int(data["index"]),
            EventRecord.from_json(data),
            bytes.fromhex(recorded) if recorded else None,
        )


def read_events(folder: Path) -> Iterator[ExportedEvent]:
    with (folder / EVENTS).open() as lines:
        for line in lines:
            if line.strip():
                yield ExportedEvent.from_json(json.loads(line))


def read_checkpoints(path: Path) -> list[SignedCheckpoint]:
    data = json.loads(path.read_text())
    return [SignedCheckpoint.from_json(c) for c in (data if isinstance(data, list) else [data])]


def _checkpoints_of(verifier: Verifier, path: Path) -> list[SignedCheckpoint]:
    try:
        return read_checkpoints(path)
    except (ValueError, KeyError, TypeError) as error:
        verifier.note(False, "checkpoint file", f"{path.name} is malformed: {error!r}")
        return []


class Verifier:
    """Checks an export, checkpoints, proofs and reports; collects findings in order."""

    def __init__(self, folder: Path, public_key: bytes | None = None) -> None:
        self.folder = folder
        self.findings: list[Finding] = []
        manifest = json.loads((folder / MANIFEST).read_text())
        self.tree: str = manifest["tree"]
        if public_key is None:
            public_key = parse_public_key((folder / PUBLIC_KEY).read_text())
            self.note(
                True,
                "public key",
                "taken from the export itself; pass --public-key with a key obtained "
                "independently to rule out a substituted key",
            )
        self.public_key = public_key
        self.events = list(read_events(folder))
        self.checkpoints: list[SignedCheckpoint] = []
        self.rebuilt: dict[int, bytes] = {}

    def note(self, ok: bool, check: str, detail: str) -> None:
        self.findings.append(Finding(ok, check, detail))

    @property
    def passed(self) -> bool:
        return all(f.ok for f in self.findings)

    def add_checkpoints(self, checkpoints: Sequence[SignedCheckpoint]) -> None:
        seen = {(c.tree, c.tree_size, c.root_hash, c.signature) for c in self.checkpoints}
        for c in checkpoints:
            if (c.tree, c.tree_size, c.root_hash, c.signature) in seen:
                continue
            seen.add((c.tree, c.tree_size, c.root_hash, c.signature))
            valid = verify_signature(self.public_key, c)
            self.note(
                valid,
                "signature",
                f"{c.describe()}: " + ("valid" if valid else "does NOT verify with the key"),
            )
            if valid and c.tree == self.tree:
                self.checkpoints.append(c)

    # -- the export against the checkpoints ------------------------------------------------

    def check_export(self) -> None:
        for position, event in enumerate(self.events):
            if event.index != position:
                self.note(False, "export", f"line {position + 1} claims index {event.index}")
                return
        wanted = {c.tree_size for c in self.checkpoints}
        frontier, recorded = Frontier(), Frontier()
        recomputed_leaves: list[bytes] = []
        recorded_rebuilt: dict[int, bytes] = {}
        if 0 in wanted:
            self.rebuilt[0] = recorded_rebuilt[0] = frontier.root()
        for event in self.events:
            leaf = event.record.leaf_hash()
            recomputed_leaves.append(leaf)
            frontier.append(leaf)
            recorded.append(event.recorded or leaf)
            if frontier.size in wanted:
                self.rebuilt[frontier.size] = frontier.root()
                recorded_rebuilt[frontier.size] = recorded.root()
        good = 0
        for c in sorted(self.checkpoints, key=lambda c: c.tree_size):
            if c.tree_size > len(self.events):
                self.note(
                    False,
                    "export rebuilds checkpoint",
                    f"{c.describe()}: the export holds only {len(self.events)} events; "
                    f"{c.tree_size - len(self.events)} covered by the checkpoint are missing",
                )
                continue
            if self.rebuilt[c.tree_size] == c.root_hash:
                good = c.tree_size
                self.note(True, "export rebuilds checkpoint", f"{c.describe()}: root matches")
                continue
            self.note(
                False,
                "export rebuilds checkpoint",
                self._culprit(c, good, recomputed_leaves, recorded_rebuilt),
            )

    def _culprit(
        self,
        c: SignedCheckpoint,
        good: int,
        leaves: Sequence[bytes],
        recorded_rebuilt: dict[int, bytes],
    ) -> str:
        """Name the first event that does not match ``c``."""
        for event, leaf in zip(self.events[: c.tree_size], leaves, strict=False):
            if event.recorded is not None and event.recorded != leaf:
                vouched = recorded_rebuilt.get(c.tree_size) == c.root_hash
                return (
                    f"{c.describe()}: root does NOT match. First event that does not match: "
                    f"leaf {event.index}, {event.record.describe()}: its stored bytes hash to "
                    f"{leaf.hex()[:16]}..., the audit log recorded {event.recorded.hex()[:16]}..."
                    + (" (and the recorded leaves rebuild the signed root)" if vouched else "")
                )
        first = self.events[good].record.describe() if good < len(self.events) else "none"
        return (
            f"{c.describe()}: root does NOT match. The events between leaf {good} and leaf "
            f"{c.tree_size - 1} differ from what was signed (changed, removed, added or "
            f"reordered); the first of them is leaf {good}, {first}"
        )

    def check_consistency(self) -> None:
        """Each checkpoint must extend every earlier one: a log never shrinks or forks."""
        issued = sorted(self.checkpoints, key=lambda c: (c.checkpoint.issued_at, c.tree_size))
        for older, newer in pairwise(issued):
            if newer.tree_size < older.tree_size:
                self.note(
                    False,
                    "consistency",
                    f"{newer.describe()} is smaller than the earlier {older.describe()}: "
                    "the log lost events",
                )
            elif newer.tree_size == older.tree_size and newer.root_hash != older.root_hash:
                self.note(False, "consistency", f"{older.describe()} and {newer.describe()} fork")
        by_size = sorted(self.checkpoints, key=lambda c: c.tree_size)
        for older, newer in pairwise(by_size):
            if older.tree_size == newer.tree_size:
                continue
            old_ok = self.rebuilt.get(older.tree_size) == older.root_hash
            new_ok = self.rebuilt.get(newer.tree_size) == newer.root_hash
            if old_ok and new_ok:
                self.note(
                    True,
                    "consistency",
                    f"size {older.tree_size} is a prefix of size {newer.tree_size} "
                    "(both rebuilt from the export)",
                )
            elif new_ok:
                self.note(
                    False,
                    "consistency",
                    f"{older.describe()} is NOT a prefix of {newer.describe()} as the export "
                    "rebuilds it: events signed earlier were changed or removed",
                )

    # -- proofs and reports --------------------------------------------------------------

    def _signed(self, tree: str, size: int) -> SignedCheckpoint | None:
        return next((c for c in self.checkpoints if c.tree == tree and c.tree_size == size), None)

    def check_proof(self, proof: dict[str, Any], name: str) -> None:
        tree = str(proof["tree"])
        path = [bytes.fromhex(h) for h in proof["path"]]
        if proof["proof"] == "inclusion":
            size, index = int(proof["tree_size"]), int(proof["leaf_index"])
            leaf = bytes.fromhex(proof["leaf_hash"])
            root = self._root_for(tree, size, bytes.fromhex(proof["root_hash"]), name)
            if tree == self.tree and index < len(self.events):
                exported = self.events[index].record.leaf_hash()
                if exported != leaf:
                    self.note(
                        False, "inclusion proof", f"{name}: leaf {index} differs from the export"
                    )
            ok, outcome = _outcome(lambda: verify_inclusion(index, size, leaf, path, root))
            self.note(ok, "inclusion proof", f"{name}: leaf {index} in size {size}: {outcome}")
        elif proof["proof"] == "consistency":
            old, new = int(proof["old_size"]), int(proof["new_size"])
            old_root = self._root_for(tree, old, bytes.fromhex(proof["old_root"]), name)
            new_root = self._root_for(tree, new, bytes.fromhex(proof["new_root"]), name)
            ok, outcome = _outcome(lambda: verify_consistency(old, new, old_root, new_root, path))
            self.note(ok, "consistency proof", f"{name}: size {old} to {new}: {outcome}")
        else:
            self.note(False, "proof", f"{name}: unknown kind {proof['proof']!r}")

    def _root_for(self, tree: str, size: int, claimed: bytes, name: str) -> bytes:
        """The signed root of ``size`` if a checkpoint gives it, else the proof's own claim."""
        signed = self._signed(tree, size)
        if signed is None:
            self.note(
                True,
                "proof root",
                f"{name}: no signed checkpoint of size {size} given; checked against the "
                "root the proof states",
            )
            return claimed
        if signed.root_hash != claimed:
            self.note(False, "proof root", f"{name}: states a root other than {signed.describe()}")
        return signed.root_hash

    def check_report(self, document: dict[str, Any], name: str) -> None:
        stated = document["checkpoint"]
        size, root = int(stated["tree_size"]), bytes.fromhex(stated["root_hash"])
        signed = self._signed(GLOBAL_TREE, size)
        if self.tree != GLOBAL_TREE or signed is None or signed.root_hash != root:
            self.note(
                False,
                "report",
                f"{name}: names size {size}, root {root.hex()[:16]}..., which no verified "
                "global checkpoint given here states (export the global tree)",
            )
            return
        if self.rebuilt.get(size) != root:
            self.note(False, "report", f"{name}: the export does not rebuild its checkpoint")
            return
        decoder = OfflineDecoder()
        facts = gather(decoder.envelopes([e.record for e in self.events[:size]]))
        scope = str(document["scope"])
        tenant = str(pin_id_for(scope.removeprefix("pin:"))) if scope.startswith("pin:") else None
        again = report_document(
            facts, stated, threshold=int(document["small_cell_threshold"]), tenant=tenant
        )
        difference = _first_difference(again["sections"], document["sections"])
        self.note(
            difference is None,
            "report",
            f"{name}: recomputed from the first {size} events of the export: "
            + ("every figure matches" if difference is None else f"differs at {difference}"),
        )


def _outcome(check: Callable[[], bool]) -> tuple[bool, str]:
    """Whether a proof verifies, and how to say so; a malformed proof is named, not raised."""
    try:
        ok = check()
    except MalformedProof as error:
        return False, f"malformed: {error}"
    return ok, "verifies" if ok else "does NOT verify"


def _first_difference(a: Any, b: Any, where: str = "report") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            found = _first_difference(a.get(key), b.get(key), f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where} (recomputed {len(a)} entries, stated {len(b)})"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            label = x.get("name") or x.get("pin") or i if isinstance(x, dict) else i
            found = _first_difference(x, y, f"{where}[{label}]")
            if found:
                return found
        return None
    return None if a == b else f"{where} (recomputed {a!r}, stated {b!r})"


def verify(
    folder: Path,
    *,
    public_key: bytes | None = None,
    checkpoint_files: Sequence[Path] = (),
    proof_files: Sequence[Path] = (),
    report_files: Sequence[Path] = (),
) -> Verifier:
    """Run every check on the files; read the findings off the returned verifier."""
    verifier = Verifier(folder, public_key)
    for path in (folder / CHECKPOINTS, *checkpoint_files):
        verifier.add_checkpoints(_checkpoints_of(verifier, path))
    if not verifier.checkpoints:
        verifier.note(False, "checkpoints", f"no validly signed checkpoint of tree {verifier.tree}")
    verifier.check_export()
    verifier.check_consistency()
    for path in proof_files:
        try:
            verifier.check_proof(json.loads(path.read_text()), path.name)
        except (ValueError, KeyError, TypeError) as error:
            verifier.note(False, "proof", f"{path.name} is malformed: {error!r}")
    for path in report_files:
        content = json.loads(path.read_text())
        report = signed_report(content, path.name, verifier.public_key, verifier.note)
        verifier.check_report(report, path.name)
    return verifier
