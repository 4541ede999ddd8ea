"""Merkle trees of the audit trail: RFC 6962 / RFC 9162 (section 2.1) hashing and proofs.

A tree of ``n`` leaves hashes as ``MTH``: the empty tree is SHA-256 of nothing, a leaf is
SHA-256(0x00 || bytes), and a larger tree splits at ``k``, the largest power of two below
``n``: SHA-256(0x01 || MTH(first k) || MTH(rest)). The left part of every split is a
*perfect* subtree (2^level leaves starting at a multiple of 2^level); such a subtree is named
by ``(level, index)`` and covers leaves ``[index * 2^level, (index + 1) * 2^level)``. Those
nodes never change once complete, so a log stores them and computes any proof from
O(log n) of them. Everything here is pure: no storage, no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

Node = tuple[int, int]
"""A perfect subtree: (level, index); level 0 is a leaf."""
Range = tuple[int, int]
"""Leaves ``[start, end)`` of a tree."""

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two strictly below ``size`` (``size`` > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def _is_perfect(start: int, end: int) -> bool:
    width = end - start
    return width > 0 and width & (width - 1) == 0 and start % width == 0


# --- proofs as ranges of leaves -------------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose hashes make up the inclusion proof of leaf ``index`` (RFC 9162 PATH).

    Ordered from the leaf upwards, as the proof is.
    """
    if not 0 <= index < size:
        raise ValueError(f"Leaf {index} is not in a tree of {size} leaves.")
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index - start < k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    path.reverse()
    return path


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """The subtrees of the consistency proof from ``old_size`` to ``new_size`` (RFC 9162 PROOF)."""
    if not 0 <= old_size <= new_size:
        raise ValueError(
            f"No consistency proof from {old_size} to {new_size} leaves: a log only grows."
        )
    if old_size in (0, new_size):
        return []
    path: list[Range] = []
    m, start, end, whole = old_size, 0, new_size, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            m -= k
            start += k
            whole = False
    if not whole:
        path.append((start, end))
    path.reverse()
    return path


def range_nodes(start: int, end: int) -> list[Node]:
    """The stored (perfect) nodes from which MTH of leaves ``[start, end)`` is computed."""
    if _is_perfect(start, end):
        width = end - start
        level = width.bit_length() - 1
        return [(level, start >> level)]
    k = split_point(end - start)
    return range_nodes(start, start + k) + range_nodes(start + k, end)


def range_hash(start: int, end: int, nodes: Mapping[Node, bytes]) -> bytes:
    """MTH of leaves ``[start, end)`` from the perfect nodes ``range_nodes`` names."""
    if _is_perfect(start, end):
        level = (end - start).bit_length() - 1
        return nodes[level, start >> level]
    k = split_point(end - start)
    return node_hash(range_hash(start, start + k, nodes), range_hash(start + k, end, nodes))


def nodes_for(ranges: Iterable[Range]) -> set[Node]:
    return {node for start, end in ranges for node in range_nodes(start, end)}


def hashes_of(ranges: Sequence[Range], nodes: Mapping[Node, bytes]) -> list[bytes]:
    return [range_hash(start, end, nodes) for start, end in ranges]


# --- verification (RFC 9162 2.1.3.2 and 2.1.4.2) -------------------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes | None:
    """The root that ``proof`` leads to from ``leaf`` at ``index``; None if malformed."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """True when ``proof`` shows that ``leaf`` is leaf ``index`` of the tree ``root``."""
    return root_from_inclusion(index, size, leaf, proof) == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True when ``proof`` shows that tree ``old_root`` is a prefix of tree ``new_root``."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# --- appending ------------------------------------------------------------------------------


def peak_nodes(size: int) -> list[Node]:
    """The perfect subtrees a tree of ``size`` leaves splits into, largest (leftmost) first."""
    return [
        (level, (size >> level) - 1)
        for level in reversed(range(size.bit_length()))
        if size >> level & 1
    ]


@dataclass
class Frontier:
    """The right edge of a tree: enough to append leaves and compute the root incrementally.

    ``peaks`` holds one hash per set bit of ``size`` (level -> hash of the perfect subtree
    that bit stands for), so appending costs O(1) amortised and the root O(log n).
    """

    size: int = 0
    peaks: dict[int, bytes] = field(default_factory=dict)

    @classmethod
    def load(cls, size: int, node: Callable[[Node], bytes]) -> Frontier:
        return cls(size, {level: node((level, index)) for level, index in peak_nodes(size)})

    def copy(self) -> Frontier:
        return Frontier(self.size, dict(self.peaks))

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the perfect nodes above level 0 it completes."""
        completed: list[tuple[int, int, bytes]] = []
        level, index, value = 0, self.size, leaf
        while index & 1:
            value = node_hash(self.peaks.pop(level), value)
            level += 1
            index >>= 1
            completed.append((level, index, value))
        self.peaks[level] = value
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.size:
            return EMPTY_ROOT
        root: bytes | None = None
        for level in sorted(self.peaks):
            root = self.peaks[level] if root is None else node_hash(self.peaks[level], root)
        assert root is not None
        return root


def root_of(leaves: Iterable[bytes]) -> bytes:
    """MTH of leaf hashes, appended one by one."""
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


class MemoryTree:
    """Every perfect node of a tree, in memory: proofs from an export, tests, benchmarks."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self.nodes: dict[Node, bytes] = {}
        self.frontier = Frontier()
        for leaf in leaves:
            self.append(leaf)

    @property
    def size(self) -> int:
        return self.frontier.size

    def append(self, leaf: bytes) -> None:
        self.nodes[0, self.frontier.size] = leaf
        for level, index, value in self.frontier.append(leaf):
            self.nodes[level, index] = value

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError(f"The tree has {self.size} leaves, not {size}.")
        return range_hash(0, size, self.nodes) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return hashes_of(inclusion_ranges(index, self.size if size is None else size), self.nodes)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        new_size = self.size if new_size is None else new_size
        return hashes_of(consistency_ranges(old_size, new_size), self.nodes)
