"""The audit projection: every stored event a leaf of the global tree and of its PIN's tree.

It reads the event store's notification log in store order (through a reader the wiring
passes in; Kafka orders only per partition) and appends each batch in one read-model
transaction together with its tracking row, so a batch takes effect once. Trees grow
incrementally: the right edge of each tree (its ``Frontier``) is kept in memory, and every
perfect subtree a leaf completes is stored, so any root or proof is computed from O(log n)
stored nodes and no event is ever hashed twice.

Several followers may run: each batch starts by locking the tracking row, and a follower
that finds it moved (another follower, or a rebuild that swapped the read models) reloads
its frontiers from the database before appending.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from domain.audit.checkpoint import Checkpoint, SignedCheckpoint
from domain.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    Node,
    consistency_ranges,
    hashes_of,
    inclusion_ranges,
    nodes_for,
    peak_nodes,
)
from domain.audit.records import GLOBAL_TREE, EventRecord
from projections.audit.rows import (
    ROWS_PER_INSERT,
    Leaf,
    TreeHead,
    UnknownTreeSize,
    checkpoint_of,
    insert_many,
    leaf_of,
    newest_checkpoint,
)
from projections.database import Executor, ReadModels

log = logging.getLogger(__name__)

ReadRecords = Callable[[int, int], Sequence[EventRecord]]
Sign = Callable[[str, Checkpoint], SignedCheckpoint]


class AuditLog:
    """The Merkle trees of the audit trail, their proofs and signed checkpoints."""

    name = "audit_log"

    def __init__(self, db: ReadModels) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._position = -1  # unknown until loaded
        self._frontiers: dict[str, Frontier] = {}

    # --- appending ----------------------------------------------------------------------

    def _lock_tracking(self, tx: Executor) -> int:
        """Take the tracking row (serialises followers) and return its position."""
        tx.execute(
            "INSERT INTO projection_tracking (projection, part, position) VALUES (?, 0, 0) "
            "ON CONFLICT (projection, part) DO NOTHING",
            (self.name,),
        )
        tx.execute(
            "UPDATE projection_tracking SET position = position WHERE projection = ? AND part = 0",
            (self.name,),
        )
        row = tx.execute(
            "SELECT position FROM projection_tracking WHERE projection = ? AND part = 0",
            (self.name,),
        ).fetchone()
        return int(row["position"])

    def _load(self, tx: Executor) -> dict[str, Frontier]:
        frontiers: dict[str, Frontier] = {}
        for row in tx.execute("SELECT tree, size FROM audit_trees").fetchall():
            tree, size = str(row["tree"]), int(row["size"])
            nodes = self._nodes(tx, tree, set(peak_nodes(size)))
            frontiers[tree] = Frontier.load(size, nodes.__getitem__)
        return frontiers

    def position(self) -> int:
        """The store position of the last event appended (committed)."""
        with self._db.reading() as tx:
            row = tx.execute(
                "SELECT position FROM projection_tracking WHERE projection = ? AND part = 0",
                (self.name,),
            ).fetchone()
        return int(row["position"]) if row else 0

    def append(self, records: Sequence[EventRecord], after: int) -> int:
        """Append ``records`` (read after store position ``after``) in one transaction.

        Returns how many were appended: 0 when the log has moved past ``after`` meanwhile
        (another follower, or the read models were replaced); read again from ``position()``.
        """
        with self._lock, self._db.transaction() as tx:
            tracked = self._lock_tracking(tx)
            if tracked != self._position:
                self._frontiers = self._load(tx)
                self._position = tracked
            if tracked != after:
                return 0
            fresh = [r for r in records if r.position > tracked]
            if not fresh:
                return 0
            frontiers = {tree: f.copy() for tree, f in self._frontiers.items()}
            frontiers.setdefault(GLOBAL_TREE, Frontier())
            leaves: list[tuple[Any, ...]] = []
            nodes: list[tuple[Any, ...]] = []
            for record in fresh:
                digest = record.leaf_hash()
                tenant = frontiers.setdefault(record.tenant_id, Frontier())
                leaves.append(
                    (
                        frontiers[GLOBAL_TREE].size,
                        record.position,
                        record.tenant_id,
                        tenant.size,
                        digest,
                    )
                )
                for tree, frontier in (
                    (GLOBAL_TREE, frontiers[GLOBAL_TREE]),
                    (record.tenant_id, tenant),
                ):
                    nodes.extend(
                        (tree, level, index, value)
                        for level, index, value in frontier.append(digest)
                    )
            insert_many(
                tx,
                "audit_leaves",
                "leaf_index, position, tenant_id, tenant_index, leaf_hash",
                leaves,
            )
            insert_many(tx, "audit_nodes", "tree, level, idx, hash", nodes)
            touched = {GLOBAL_TREE} | {r.tenant_id for r in fresh}
            for tree in sorted(touched):
                tx.execute(
                    "INSERT INTO audit_trees (tree, size, root) VALUES (?, ?, ?) "
                    "ON CONFLICT (tree) DO UPDATE SET size = excluded.size, root = excluded.root",
                    (tree, frontiers[tree].size, frontiers[tree].root()),
                )
            position = fresh[-1].position
            tx.execute(
                "UPDATE projection_tracking SET position = ? WHERE projection = ? AND part = 0",
                (position, self.name),
            )
        # Committed: only now does the in-memory edge move.
        self._frontiers, self._position = frontiers, position
        return len(fresh)

    def pump(self, read_after: ReadRecords, batch_size: int = 500) -> int:
        """Append every stored event not yet in the trees; return how many were appended."""
        appended = 0
        while True:
            start = self.position()
            batch = read_after(start, batch_size)
            if not batch:
                return appended
            appended += self.append(batch, after=start)

    # --- reading ------------------------------------------------------------------------

    def _nodes(self, tx: Executor, tree: str, wanted: Iterable[Node]) -> dict[Node, bytes]:
        """The stored perfect nodes ``wanted`` of ``tree`` (level 0: the leaf hashes)."""
        wanted = sorted(set(wanted))
        found: dict[Node, bytes] = {}
        leaves = [index for level, index in wanted if level == 0]
        inner = [(level, index) for level, index in wanted if level > 0]
        column = "leaf_index" if tree == GLOBAL_TREE else "tenant_index"
        for start in range(0, len(leaves), ROWS_PER_INSERT):
            chunk = leaves[start : start + ROWS_PER_INSERT]
            marks = ", ".join("?" * len(chunk))
            tenant = "" if tree == GLOBAL_TREE else "tenant_id = ? AND "
            rows = tx.execute(
                f"SELECT {column} AS idx, leaf_hash FROM audit_leaves "
                f"WHERE {tenant}{column} IN ({marks})",
                ([] if tree == GLOBAL_TREE else [tree]) + chunk,
            ).fetchall()
            found.update({(0, int(r["idx"])): bytes(r["leaf_hash"]) for r in rows})
        for start in range(0, len(inner), 200):
            pairs = inner[start : start + 200]
            # One primary-key lookup per node (an OR of them makes SQLite scan).
            one = (
                "SELECT level, idx, hash FROM audit_nodes WHERE tree = ? AND level = ? AND idx = ?"
            )
            rows = tx.execute(
                " UNION ALL ".join([one] * len(pairs)),
                [v for level, index in pairs for v in (tree, level, index)],
            ).fetchall()
            found.update({(int(r["level"]), int(r["idx"])): bytes(r["hash"]) for r in rows})
        missing = set(wanted) - set(found)
        if missing:
            raise UnknownTreeSize(f"The audit log lacks nodes {sorted(missing)[:3]} of {tree}.")
        return found

    def head(self, tree: str = GLOBAL_TREE) -> TreeHead:
        with self._db.reading() as tx:
            row = tx.execute(
                "SELECT size, root FROM audit_trees WHERE tree = ?", (tree,)
            ).fetchone()
        if row is None:
            return TreeHead(tree, 0, EMPTY_ROOT)
        return TreeHead(tree, int(row["size"]), bytes(row["root"]))

    def trees(self) -> list[TreeHead]:
        with self._db.reading() as tx:
            rows = tx.execute("SELECT tree, size, root FROM audit_trees ORDER BY tree").fetchall()
        return [TreeHead(str(r["tree"]), int(r["size"]), bytes(r["root"])) for r in rows]

    def _ranges(self, tree: str, ranges: Sequence[tuple[int, int]], size: int) -> list[bytes]:
        with self._db.reading() as tx:
            row = tx.execute("SELECT size FROM audit_trees WHERE tree = ?", (tree,)).fetchone()
            have = int(row["size"]) if row else 0
            if size > have:
                raise UnknownTreeSize(
                    f"The audit log's tree has {have} leaves; it cannot prove anything at {size}."
                )
            return hashes_of(ranges, self._nodes(tx, tree, nodes_for(ranges)))

    def root_at(self, tree: str, size: int) -> bytes:
        """The root the tree had when it held ``size`` leaves."""
        return self._ranges(tree, [(0, size)], size)[0] if size else EMPTY_ROOT

    def inclusion_proof(self, tree: str, index: int, size: int) -> list[bytes]:
        return self._ranges(tree, inclusion_ranges(index, size), size)

    def consistency_proof(self, tree: str, old_size: int, new_size: int) -> list[bytes]:
        return self._ranges(tree, consistency_ranges(old_size, new_size), new_size)

    def leaf_at(self, position: int) -> Leaf | None:
        """The leaf of the event stored at ``position``."""
        with self._db.reading() as tx:
            row = tx.execute(
                "SELECT * FROM audit_leaves WHERE position = ?", (position,)
            ).fetchone()
        return leaf_of(row) if row else None

    def leaves_at(self, positions: Sequence[int]) -> dict[int, Leaf]:
        """The leaves of the events stored at ``positions`` (those the log has)."""
        found: dict[int, Leaf] = {}
        with self._db.reading() as tx:
            for start in range(0, len(positions), ROWS_PER_INSERT):
                chunk = list(positions[start : start + ROWS_PER_INSERT])
                rows = tx.execute(
                    f"SELECT * FROM audit_leaves WHERE position IN ({', '.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                found.update({int(r["position"]): leaf_of(r) for r in rows})
        return found

    def leaf(self, tree: str, index: int) -> Leaf | None:
        with self._db.reading() as tx:
            if tree == GLOBAL_TREE:
                row = tx.execute(
                    "SELECT * FROM audit_leaves WHERE leaf_index = ?", (index,)
                ).fetchone()
            else:
                row = tx.execute(
                    "SELECT * FROM audit_leaves WHERE tenant_id = ? AND tenant_index = ?",
                    (tree, index),
                ).fetchone()
        return leaf_of(row) if row else None

    def leaves(self, tree: str, after_index: int, limit: int) -> list[Leaf]:
        """Leaves of ``tree`` with index > ``after_index``, in order (for the export)."""
        with self._db.reading() as tx:
            if tree == GLOBAL_TREE:
                rows = tx.execute(
                    "SELECT * FROM audit_leaves WHERE leaf_index > ? ORDER BY leaf_index LIMIT ?",
                    (after_index, limit),
                ).fetchall()
            else:
                rows = tx.execute(
                    "SELECT * FROM audit_leaves WHERE tenant_id = ? AND tenant_index > ? "
                    "ORDER BY tenant_index LIMIT ?",
                    (tree, after_index, limit),
                ).fetchall()
        return [leaf_of(r) for r in rows]

    # --- checkpoints --------------------------------------------------------------------

    def issue_checkpoint(
        self, tree: str, origin: str, issued_at: str, sign: Sign
    ) -> SignedCheckpoint:
        """Sign the tree's current head; the latest checkpoint when the tree has not grown."""
        with self._db.transaction() as tx:
            latest = newest_checkpoint(tx, tree)
            row = tx.execute(
                "SELECT size, root FROM audit_trees WHERE tree = ?", (tree,)
            ).fetchone()
            size, root = (int(row["size"]), bytes(row["root"])) if row else (0, EMPTY_ROOT)
            if latest is not None and latest.tree_size == size:
                return latest
            signed = sign(tree, Checkpoint(origin, size, root, issued_at))
            # Another replica may sign the same head at the same moment: the first one stands.
            tx.execute(
                "INSERT INTO audit_checkpoints (tree, tree_size, origin, root_hash, issued_at, "
                "key_id, signature) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (tree, tree_size) DO NOTHING",
                (tree, size, origin, root, issued_at, signed.key_id, signed.signature),
            )
            stored = newest_checkpoint(tx, tree)
        return stored if stored is not None else signed

    def checkpoints(
        self, tree: str = GLOBAL_TREE, limit: int | None = None
    ) -> list[SignedCheckpoint]:
        """Signed checkpoints of ``tree``, newest first."""
        with self._db.reading() as tx:
            rows = tx.execute(
                "SELECT * FROM audit_checkpoints WHERE tree = ? ORDER BY tree_size DESC"
                + (" LIMIT ?" if limit is not None else ""),
                (tree,) if limit is None else (tree, limit),
            ).fetchall()
        return [checkpoint_of(r) for r in rows]

    def latest_checkpoint(self, tree: str = GLOBAL_TREE) -> SignedCheckpoint | None:
        with self._db.reading() as tx:
            return newest_checkpoint(tx, tree)

    def checkpoint(self, tree: str, size: int) -> SignedCheckpoint | None:
        with self._db.reading() as tx:
            row = tx.execute(
                "SELECT * FROM audit_checkpoints WHERE tree = ? AND tree_size = ?", (tree, size)
            ).fetchone()
        return checkpoint_of(row) if row else None

    def grown_since_checkpoint(self) -> list[str]:
        """Trees whose size is beyond their latest checkpoint (or that have none)."""
        with self._db.reading() as tx:
            rows = tx.execute(
                "SELECT t.tree AS tree FROM audit_trees t WHERE t.size > COALESCE("
                "(SELECT max(c.tree_size) FROM audit_checkpoints c WHERE c.tree = t.tree), -1) "
                "ORDER BY t.tree"
            ).fetchall()
        return [str(r["tree"]) for r in rows]

    # --- reports (a cache by checkpoint) ------------------------------------------------

    def cached_report(self, key: str) -> dict[str, Any] | None:
        with self._db.reading() as tx:
            row = tx.execute(
                "SELECT document FROM audit_reports WHERE report_key = ?", (key,)
            ).fetchone()
        return json.loads(row["document"]) if row else None

    def cache_report(self, key: str, tree_size: int, document: dict[str, Any]) -> None:
        with self._db.transaction() as tx:
            tx.execute(
                "INSERT INTO audit_reports (report_key, tree_size, document) VALUES (?, ?, ?) "
                "ON CONFLICT (report_key) DO NOTHING",
                (key, tree_size, json.dumps(document, sort_keys=True)),
            )
