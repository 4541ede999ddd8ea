"""Checkpoints: a signed statement of a tree's size and root at a time.

The signed body follows the checkpoint note of transparency logs (C2SP tlog-checkpoint): the
origin (which log), the tree size, the base64 root hash, then an extension line with the
time, each ending in a newline. The signature is Ed25519 over exactly these bytes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    issued_at: str
    """UTC time, ISO 8601 to the second (``2026-11-26T10:00:00Z``)."""

    def body(self) -> bytes:
        root = base64.b64encode(self.root_hash).decode()
        return f"{self.origin}\n{self.tree_size}\n{root}\ntime {self.issued_at}\n".encode()


@dataclass(frozen=True)
class SignedCheckpoint:
    tree: str
    """``global``, or the tenant id of a PIN's tree."""
    checkpoint: Checkpoint
    key_id: str
    signature: bytes

    @property
    def tree_size(self) -> int:
        return self.checkpoint.tree_size

    @property
    def root_hash(self) -> bytes:
        return self.checkpoint.root_hash

    def to_json(self) -> dict[str, Any]:
        c = self.checkpoint
        return {
            "tree": self.tree,
            "origin": c.origin,
            "tree_size": c.tree_size,
            "root_hash": c.root_hash.hex(),
            "issued_at": c.issued_at,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode(),
            "note": c.body().decode(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignedCheckpoint:
        return cls(
            tree=str(data["tree"]),
            checkpoint=Checkpoint(
                origin=str(data["origin"]),
                tree_size=int(data["tree_size"]),
                root_hash=bytes.fromhex(data["root_hash"]),
                issued_at=str(data["issued_at"]),
            ),
            key_id=str(data["key_id"]),
            signature=base64.b64decode(data["signature"]),
        )

    def describe(self) -> str:
        return (
            f"checkpoint {self.checkpoint.origin} size {self.tree_size} "
            f"root {self.root_hash.hex()[:16]}... ({self.checkpoint.issued_at})"
        )
