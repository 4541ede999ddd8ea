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

HASH_SIZE = 32
"""Bytes in every hash of the tree: leaves, nodes, roots (SHA-256)."""
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
#
# Malformed input raises MalformedProof before any hashing; a proof of the right shape that
# does not lead to the root is False. The shape checks are not optional: SHA-256 hashes the
# concatenation 0x01 || left || right, so without them bytes moved from a proof node into the
# leaf hash (or the old root) leave every hash above unchanged, and a forged proof verifies.


class MalformedProof(ValueError):
    """A hash, size or proof that no tree could produce; the message names what is wrong."""


def _require_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise MalformedProof(f"{what} is {len(value)} bytes; a SHA-256 hash is {HASH_SIZE}.")


def _nodes(count: int) -> str:
    return f"{count} node" if count == 1 else f"{count} nodes"


def _require_proof(proof: Sequence[bytes], expected: int, what: str) -> None:
    if len(proof) != expected:
        raise MalformedProof(f"The proof has {_nodes(len(proof))}; {what} has {expected}.")
    for at, node in enumerate(proof):
        _require_hash(node, f"Proof node {at}")


def _step(fn: int, sn: int) -> tuple[bool, int, int]:
    """One node of RFC 9162's walk from node ``fn`` up a tree whose last node is ``sn``:
    whether the proof node is a left sibling (hashed in first), and ``fn``, ``sn`` for the next.

    It is a left sibling when ``fn`` is a right child (odd) or on the tree's right edge
    (``fn == sn``), where the levels at which ``fn`` has no sibling are skipped first.
    """
    on_left = bool(fn & 1) or fn == sn
    if on_left and not fn & 1:
        while not fn & 1 and fn != 0:
            fn >>= 1
            sn >>= 1
    return on_left, fn >> 1, sn >> 1


def inclusion_proof_length(index: int, size: int) -> int:
    """How many nodes the inclusion proof of leaf ``index`` in a tree of ``size`` leaves holds.

    Computed from the sizes alone, independently of ``inclusion_ranges``: below the level
    where the paths to ``index`` and to the last leaf part, every level gives one node; above
    it the path runs along the tree's right edge, where only a left sibling gives one.
    """
    if not 0 <= index < size:
        raise MalformedProof(f"Leaf {index} is not in a tree of {size} leaves.")
    below = (index ^ (size - 1)).bit_length()
    return below + (index >> below).bit_count()


def consistency_proof_length(old_size: int, new_size: int) -> int:
    """How many nodes the consistency proof from ``old_size`` to ``new_size`` leaves holds.

    The inclusion proof of the old tree's last leaf in the new tree, less the levels inside
    the largest perfect subtree the old tree ends with, plus that subtree's own hash unless
    it is the whole old tree (whose root the verifier already has).
    """
    if old_size < 0 or new_size < 0:
        raise MalformedProof(f"No tree has {min(old_size, new_size)} leaves.")
    if old_size > new_size:
        raise MalformedProof(
            f"No consistency proof from {old_size} to {new_size} leaves: a log only grows."
        )
    if old_size in (0, new_size):
        return 0
    shift = (old_size & -old_size).bit_length() - 1
    whole = old_size == 1 << shift
    return inclusion_proof_length(old_size - 1, new_size) - shift + (0 if whole else 1)


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf``, leaf ``index`` of ``size`` leaves.

    Raises MalformedProof for an index outside ``[0, size)``, a leaf hash or proof node that
    is not 32 bytes, or a proof with more or fewer nodes than ``index`` and ``size`` imply.
    """
    expected = inclusion_proof_length(index, size)
    _require_hash(leaf, "The leaf hash")
    _require_proof(
        proof, expected, f"the inclusion proof of leaf {index} in a tree of {size} leaves"
    )
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:  # unreachable once the length is checked; RFC 9162 keeps it, so do we
            raise MalformedProof(f"The proof has more nodes than leaf {index} of {size} needs.")
        on_left, fn, sn = _step(fn, sn)
        r = node_hash(p, r) if on_left else node_hash(r, p)
    if sn != 0:
        raise MalformedProof(f"The proof has fewer nodes than leaf {index} of {size} needs.")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """True when ``proof`` shows that ``leaf`` is leaf ``index`` of the tree ``root``.

    False when a well-formed proof leads elsewhere. Raises MalformedProof (a ValueError) for
    a root that is not 32 bytes and for everything ``root_from_inclusion`` refuses.
    """
    _require_hash(root, "The root")
    return root_from_inclusion(index, size, leaf, proof) == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True when ``proof`` shows that tree ``old_root`` is a prefix of tree ``new_root``.

    False when a well-formed proof does not lead to both roots. Raises MalformedProof (a
    ValueError) for a negative size, ``old_size > new_size``, a root or proof node that is
    not 32 bytes, a proof with more or fewer nodes than the sizes imply, and for any proof
    from the empty tree to a larger one: the empty tree is a prefix of every tree, so such a
    proof would vouch for any new root (RFC 9162 defines none; transparency-dev/merkle
    refuses it too). Two trees of the same size are consistent when their roots are equal
    and the proof is empty; at size 0 both roots must also be the empty root, SHA-256 of
    nothing.
    """
    expected = consistency_proof_length(old_size, new_size)
    _require_hash(old_root, "The old root")
    _require_hash(new_root, "The new root")
    if old_size == 0 and new_size > 0:
        raise MalformedProof(
            f"A consistency proof from the empty tree proves nothing about the tree of size "
            f"{new_size}: the empty tree is a prefix of every tree."
        )
    _require_proof(proof, expected, f"the consistency proof from {old_size} to {new_size} leaves")
    if old_size == new_size:
        return old_root == new_root and (old_size > 0 or old_root == EMPTY_ROOT)
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
        on_left, fn, sn = _step(fn, sn)
        if on_left:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
        else:
            sr = node_hash(sr, c)
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
