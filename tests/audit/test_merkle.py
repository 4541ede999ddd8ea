"""The Merkle math of the audit trail against RFC 9162, and proofs that refuse any change."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    MemoryTree,
    leaf_hash,
    node_hash,
    peak_nodes,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [f"event {i}".encode() for i in range(301)]


def mth(data: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, written as the RFC states it."""
    n = len(data)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(data[:k]) + mth(data[k:])).digest()


def tree_of(size: int) -> MemoryTree:
    return MemoryTree(leaf_hash(d) for d in LEAVES[:size])


FULL = tree_of(300)


def flip(value: bytes, at: int = 0) -> bytes:
    return value[:at] + bytes([value[at] ^ 1]) + value[at + 1 :]


def test_the_root_of_every_size_from_0_to_300_equals_the_recursive_definition() -> None:
    frontier = Frontier()
    for size in range(301):
        expected = mth(LEAVES[:size])
        assert frontier.root() == expected, size
        assert (FULL.root(size) if size else EMPTY_ROOT) == expected, size
        if size < 300:
            frontier.append(leaf_hash(LEAVES[size]))


def test_a_frontier_loaded_from_stored_nodes_goes_on_like_the_one_that_appended() -> None:
    for size in (1, 2, 3, 7, 8, 100, 255, 256):
        loaded = Frontier.load(size, lambda node: FULL.nodes[node])
        for extra in range(size, 300):
            loaded.append(leaf_hash(LEAVES[extra]))
        assert loaded.root() == FULL.root()
        assert len(peak_nodes(size)) == bin(size).count("1")


def test_empty_tree_and_leaf_and_node_hashing_follow_rfc_6962() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


def test_every_inclusion_proof_up_to_64_leaves_verifies() -> None:
    for size in range(1, 65):
        root = FULL.root(size)
        for index in range(size):
            proof = FULL.inclusion_proof(index, size)
            assert verify_inclusion(index, size, leaf_hash(LEAVES[index]), proof, root)


def test_every_consistency_proof_up_to_64_leaves_verifies() -> None:
    # From the empty tree only the empty tree follows (see test_merkle_malformed.py).
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    for new in range(1, 65):
        for old in range(1, new + 1):
            proof = FULL.consistency_proof(old, new)
            assert verify_consistency(old, new, FULL.root(old), FULL.root(new), proof), (old, new)


def refused(verify: Callable[..., bool], *arguments: object) -> bool:
    """False, or refused as malformed (ValueError) when the change alters the proof's shape."""
    try:
        return not verify(*arguments)
    except ValueError:
        return True


sizes = st.integers(min_value=1, max_value=300)


@given(st.data())
def test_an_inclusion_proof_verifies_and_any_change_makes_it_fail(data: st.DataObject) -> None:
    size = data.draw(sizes)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    leaf, root = leaf_hash(LEAVES[index]), FULL.root(size)
    proof = FULL.inclusion_proof(index, size)

    assert verify_inclusion(index, size, leaf, proof, root)
    assert not verify_inclusion(index, size, flip(leaf), proof, root)
    assert not verify_inclusion(index, size, leaf, proof, flip(root, 31))
    if proof:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        byte = data.draw(st.integers(min_value=0, max_value=31))
        changed = [*proof[:at], flip(proof[at], byte), *proof[at + 1 :]]
        assert not verify_inclusion(index, size, leaf, changed, root)
        assert refused(verify_inclusion, index, size, leaf, proof[:-1], root)
        assert refused(verify_inclusion, index, size, leaf, [*proof, proof[0]], root)
    if len(proof) >= 2:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 2))
        swapped = [*proof[:at], proof[at + 1], proof[at], *proof[at + 2 :]]
        if swapped != proof:
            assert not verify_inclusion(index, size, leaf, swapped, root)
    for wrong in {index - 1, index + 1} - {index}:
        if 0 <= wrong < size and LEAVES[wrong] != LEAVES[index]:
            assert refused(verify_inclusion, wrong, size, leaf, proof, root)
    for wrong_size in (size - 1, size + 1):
        if index < wrong_size <= 300:
            # The size is bound by the checkpoint that signs it together with its root.
            wrong_root = FULL.root(wrong_size)
            assert refused(verify_inclusion, index, wrong_size, leaf, proof, wrong_root)


@given(st.data())
def test_a_consistency_proof_verifies_and_any_change_makes_it_fail(data: st.DataObject) -> None:
    new = data.draw(sizes)
    old = data.draw(st.integers(min_value=1, max_value=new))
    old_root, new_root = FULL.root(old), FULL.root(new)
    proof = FULL.consistency_proof(old, new)

    assert verify_consistency(old, new, old_root, new_root, proof)
    if old == new:
        assert refused(verify_consistency, old, new, old_root, new_root, [old_root])
        return
    assert not verify_consistency(old, new, flip(old_root), new_root, proof)
    assert not verify_consistency(old, new, old_root, flip(new_root, 7), proof)
    at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    changed = [*proof[:at], flip(proof[at], data.draw(st.integers(0, 31))), *proof[at + 1 :]]
    assert not verify_consistency(old, new, old_root, new_root, changed)
    assert refused(verify_consistency, old, new, old_root, new_root, proof[:-1])
    if len(proof) >= 2:
        swapped = [proof[1], proof[0], *proof[2:]]
        assert not verify_consistency(old, new, old_root, new_root, swapped)
    if old > 1:
        older = FULL.root(old - 1)
        assert refused(verify_consistency, old - 1, new, older, new_root, proof)
    if new < 300:
        newer = FULL.root(new + 1)
        assert refused(verify_consistency, old, new + 1, old_root, newer, proof)


def test_a_log_that_lost_its_last_event_is_not_consistent_with_its_earlier_self() -> None:
    honest = tree_of(100)
    rewritten = MemoryTree(leaf_hash(d) for d in [*LEAVES[:99], LEAVES[150], LEAVES[151]])

    proof = rewritten.consistency_proof(100, 101)

    assert not verify_consistency(100, 101, honest.root(), rewritten.root(), proof)


def test_proofs_are_refused_for_sizes_a_tree_does_not_have() -> None:
    with pytest.raises(ValueError, match="only grows"):
        FULL.consistency_proof(10, 5)
    with pytest.raises(ValueError, match="not in a tree"):
        FULL.inclusion_proof(5, 5)
