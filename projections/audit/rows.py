"""The audit log's rows: tree heads, leaves and signed checkpoints, decoded by column name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.audit.checkpoint import Checkpoint, SignedCheckpoint
from domain.audit.records import GLOBAL_TREE
from projections.database import Executor

ROWS_PER_INSERT = 500


class UnknownTreeSize(LookupError):
    """A proof asked for a tree size (or leaf) the audit log does not have (yet)."""


@dataclass(frozen=True)
class TreeHead:
    tree: str
    size: int
    root: bytes


@dataclass(frozen=True)
class Leaf:
    leaf_index: int
    position: int
    tenant_id: str
    tenant_index: int
    leaf_hash: bytes

    def index_in(self, tree: str) -> int:
        return self.leaf_index if tree == GLOBAL_TREE else self.tenant_index


def insert_many(tx: Executor, table: str, columns: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` in statements of at most ``ROWS_PER_INSERT`` rows."""
    width = columns.count(",") + 1
    one = "(" + ", ".join("?" * width) + ")"
    for start in range(0, len(rows), ROWS_PER_INSERT):
        chunk = rows[start : start + ROWS_PER_INSERT]
        tx.execute(
            f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))}",
            [value for row in chunk for value in row],
        )


def leaf_of(row: Any) -> Leaf:
    """The leaf of an ``audit_leaves`` row."""
    return Leaf(
        int(row["leaf_index"]),
        int(row["position"]),
        str(row["tenant_id"]),
        int(row["tenant_index"]),
        bytes(row["leaf_hash"]),
    )


def checkpoint_of(row: Any) -> SignedCheckpoint:
    """The signed checkpoint of an ``audit_checkpoints`` row."""
    return SignedCheckpoint(
        tree=str(row["tree"]),
        checkpoint=Checkpoint(
            origin=str(row["origin"]),
            tree_size=int(row["tree_size"]),
            root_hash=bytes(row["root_hash"]),
            issued_at=str(row["issued_at"]),
        ),
        key_id=str(row["key_id"]),
        signature=bytes(row["signature"]),
    )


def newest_checkpoint(tx: Executor, tree: str) -> SignedCheckpoint | None:
    """The newest signed checkpoint of ``tree``, read in ``tx``."""
    row = tx.execute(
        "SELECT * FROM audit_checkpoints WHERE tree = ? ORDER BY tree_size DESC LIMIT 1", (tree,)
    ).fetchone()
    return checkpoint_of(row) if row else None
