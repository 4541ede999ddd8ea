"""A proof of the wrong shape is refused before any hashing, and says what is wrong.

RFC 9162 sections 2.1.3.2 and 2.1.4.2, with the checks well-known verifiers add: every hash is
32 bytes, the index lies in the tree, a log only grows, and a proof holds exactly the nodes its
sizes imply. Malformed input raises ValueError naming the fault; a proof of the right shape
that does not lead to the root answers False.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.audit.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    consistency_proof_length,
    consistency_ranges,
    inclusion_proof_length,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)

TREE = MemoryTree(leaf_hash(f"entry {i}".encode()) for i in range(201))
WRONG_LENGTHS = [0, 1, 31, 33, 64]


def leaf(index: int) -> bytes:
    return TREE.nodes[0, index]


def resized(value: bytes, length: int) -> bytes:
    """``value`` cut or padded to ``length`` bytes."""
    return (value * 3)[:length]


def flip(value: bytes, at: int = 0) -> bytes:
    return value[:at] + bytes([value[at] ^ 1]) + value[at + 1 :]


# --- the shifted-bytes attack -----------------------------------------------------------------


def test_a_leaf_hash_that_borrowed_bytes_from_the_first_proof_node_does_not_verify() -> None:
    # node_hash hashes 0x01 || left || right: moving bytes across the boundary between the leaf
    # and its sibling leaves the hashed message, and so every hash above it, unchanged. A
    # verifier that does not check lengths (the code before this test) therefore accepted it.
    for size in range(2, 65):
        root = TREE.root(size)
        for index in range(size):
            proof = TREE.inclusion_proof(index, size)
            for k in (1, 16, 31):
                if index % 2 == 0 and index != size - 1:  # the sibling is on the right
                    forged_leaf, forged_node = leaf(index) + proof[0][:k], proof[0][k:]
                    assert node_hash(forged_leaf, forged_node) == node_hash(leaf(index), proof[0])
                else:  # the sibling is on the left
                    forged_leaf, forged_node = proof[0][-k:] + leaf(index), proof[0][:-k]
                    assert node_hash(forged_node, forged_leaf) == node_hash(proof[0], leaf(index))
                with pytest.raises(ValueError, match="bytes; a SHA-256 hash is 32"):
                    verify_inclusion(index, size, forged_leaf, [forged_node, *proof[1:]], root)


def test_an_old_root_that_borrowed_bytes_from_the_first_consistency_node_does_not_verify() -> None:
    # When the old size is a power of two, the old root is the seed the proof starts from, and
    # the first node is hashed right after it: the same boundary, the same attack.
    for old in (1, 2, 4, 8, 16, 32):
        for new in range(old + 1, 65):
            proof = TREE.consistency_proof(old, new)
            forged_root, forged_node = TREE.root(old) + proof[0][:5], proof[0][5:]
            with pytest.raises(ValueError, match="bytes; a SHA-256 hash is 32"):
                verify_consistency(old, new, forged_root, TREE.root(new), [forged_node, *proof[1:]])


# --- hashes that are not 32 bytes -------------------------------------------------------------


@pytest.mark.parametrize("length", WRONG_LENGTHS)
def test_a_leaf_hash_that_is_not_32_bytes_is_refused(length: int) -> None:
    proof = TREE.inclusion_proof(5, 13)

    with pytest.raises(ValueError, match=f"The leaf hash is {length} bytes"):
        verify_inclusion(5, 13, resized(leaf(5), length), proof, TREE.root(13))
    with pytest.raises(ValueError, match=f"The leaf hash is {length} bytes"):
        root_from_inclusion(5, 13, resized(leaf(5), length), proof)


@pytest.mark.parametrize("length", WRONG_LENGTHS)
def test_a_root_that_is_not_32_bytes_is_refused(length: int) -> None:
    old_root, new_root, proof = TREE.root(6), TREE.root(13), TREE.consistency_proof(6, 13)

    with pytest.raises(ValueError, match=f"The root is {length} bytes"):
        verify_inclusion(5, 13, leaf(5), TREE.inclusion_proof(5, 13), resized(new_root, length))
    with pytest.raises(ValueError, match=f"The old root is {length} bytes"):
        verify_consistency(6, 13, resized(old_root, length), new_root, proof)
    with pytest.raises(ValueError, match=f"The new root is {length} bytes"):
        verify_consistency(6, 13, old_root, resized(new_root, length), proof)
    with pytest.raises(ValueError, match=f"The old root is {length} bytes"):
        verify_consistency(6, 6, resized(old_root, length), resized(old_root, length), [])


@pytest.mark.parametrize("length", WRONG_LENGTHS)
def test_a_proof_node_that_is_not_32_bytes_is_refused(length: int) -> None:
    inclusion, consistency = TREE.inclusion_proof(5, 13), TREE.consistency_proof(6, 13)
    bad_inclusion = [*inclusion[:1], resized(inclusion[1], length), *inclusion[2:]]
    bad_consistency = [*consistency[:-1], resized(consistency[-1], length)]

    with pytest.raises(ValueError, match=f"Proof node 1 is {length} bytes"):
        verify_inclusion(5, 13, leaf(5), bad_inclusion, TREE.root(13))
    with pytest.raises(ValueError, match=f"Proof node {len(consistency) - 1} is {length} bytes"):
        verify_consistency(6, 13, TREE.root(6), TREE.root(13), bad_consistency)


# --- proofs with nodes missing or extra -------------------------------------------------------


def test_an_inclusion_proof_with_an_extra_node_is_refused() -> None:
    proof = TREE.inclusion_proof(5, 13)

    with pytest.raises(ValueError, match=rf"has {len(proof) + 1} nodes; .* has {len(proof)}"):
        verify_inclusion(5, 13, leaf(5), [*proof, proof[0]], TREE.root(13))
    with pytest.raises(ValueError, match=r"has 1 node; .* has 0"):
        verify_inclusion(0, 1, leaf(0), [leaf(1)], TREE.root(1))


def test_an_inclusion_proof_with_a_missing_node_is_refused() -> None:
    proof = TREE.inclusion_proof(5, 13)

    with pytest.raises(ValueError, match=rf"has {len(proof) - 1} nodes; .* has {len(proof)}"):
        verify_inclusion(5, 13, leaf(5), proof[:-1], TREE.root(13))
    with pytest.raises(ValueError, match=rf"has 0 nodes; .* has {len(proof)}"):
        verify_inclusion(5, 13, leaf(5), [], TREE.root(13))


def test_a_consistency_proof_with_an_extra_or_a_missing_node_is_refused() -> None:
    proof = TREE.consistency_proof(6, 13)

    with pytest.raises(ValueError, match=f"has {len(proof) + 1} nodes"):
        verify_consistency(6, 13, TREE.root(6), TREE.root(13), [*proof, proof[0]])
    with pytest.raises(ValueError, match=f"has {len(proof) - 1} nodes"):
        verify_consistency(6, 13, TREE.root(6), TREE.root(13), proof[:-1])
    with pytest.raises(ValueError, match="has 0 nodes"):
        verify_consistency(6, 13, TREE.root(6), TREE.root(13), [])


# --- sizes out of range -----------------------------------------------------------------------


@pytest.mark.parametrize(("index", "size"), [(13, 13), (14, 13), (0, 0), (-1, 13), (-1, 0)])
def test_a_leaf_index_outside_the_tree_is_refused(index: int, size: int) -> None:
    with pytest.raises(ValueError, match=f"Leaf {index} is not in a tree of {size} leaves"):
        verify_inclusion(index, size, leaf(5), TREE.inclusion_proof(5, 13), TREE.root(13))
    with pytest.raises(ValueError, match=f"Leaf {index} is not in a tree of {size} leaves"):
        root_from_inclusion(index, size, leaf(5), TREE.inclusion_proof(5, 13))


def test_a_consistency_proof_from_a_larger_to_a_smaller_tree_is_refused() -> None:
    with pytest.raises(ValueError, match="from 13 to 6 leaves: a log only grows"):
        verify_consistency(13, 6, TREE.root(13), TREE.root(6), TREE.consistency_proof(6, 13))


def test_a_consistency_proof_with_a_negative_size_is_refused() -> None:
    with pytest.raises(ValueError, match="No tree has -1 leaves"):
        verify_consistency(-1, 6, EMPTY_ROOT, TREE.root(6), [])
    with pytest.raises(ValueError, match="No tree has -2 leaves"):
        verify_consistency(-2, -1, EMPTY_ROOT, EMPTY_ROOT, [])


def test_the_empty_tree_proves_nothing_about_a_larger_tree() -> None:
    # The empty tree is a prefix of every tree: a "proof" from size 0 would vouch for any root,
    # so the old code answered True whatever new root it was given.
    for new_root in (TREE.root(13), EMPTY_ROOT, b"\x00" * 32):
        with pytest.raises(ValueError, match="from the empty tree proves nothing"):
            verify_consistency(0, 13, EMPTY_ROOT, new_root, [])


def test_the_empty_tree_is_consistent_only_with_itself_under_the_empty_root() -> None:
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, TREE.root(1), [])
    assert not verify_consistency(0, 0, TREE.root(1), TREE.root(1), [])
    with pytest.raises(ValueError, match=r"has 1 node; .* has 0"):
        verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])


def test_two_trees_of_the_same_size_are_consistent_only_with_equal_roots_and_no_proof() -> None:
    assert verify_consistency(13, 13, TREE.root(13), TREE.root(13), [])
    assert not verify_consistency(13, 13, TREE.root(13), flip(TREE.root(13), 9), [])
    with pytest.raises(ValueError, match=r"has 1 node; .* has 0"):
        verify_consistency(13, 13, TREE.root(13), TREE.root(13), [TREE.root(13)])


# --- the expected proof lengths ---------------------------------------------------------------


def test_the_expected_proof_lengths_are_those_of_the_proofs_the_tree_builds() -> None:
    for size in range(1, 201):
        for index in range(size):
            assert inclusion_proof_length(index, size) == len(inclusion_ranges(index, size))
        for old in range(1, size + 1):
            assert consistency_proof_length(old, size) == len(consistency_ranges(old, size))


# --- any alteration of a valid proof ------------------------------------------------------------


def refused_as_malformed(verify: Callable[..., bool], *arguments: object) -> bool:
    """Whether ``verify`` raised ValueError: the proof's shape was refused before hashing."""
    try:
        verify(*arguments)
    except ValueError:
        return True
    return False


@st.composite
def altered_node(draw: st.DrawFn, proof: list[bytes]) -> list[bytes]:
    """``proof`` with one node cut, lengthened, or replaced by bytes of another length."""
    at = draw(st.integers(0, len(proof) - 1))
    node = proof[at]
    changed = draw(
        st.one_of(
            st.integers(0, 31).map(lambda cut: node[:cut]),
            st.binary(min_size=1, max_size=32).map(lambda extra: node + extra),
            st.binary(max_size=64).filter(lambda other: len(other) != 32),
        )
    )
    return [*proof[:at], changed, *proof[at + 1 :]]


@st.composite
def resized_proof(draw: st.DrawFn, proof: list[bytes]) -> list[bytes]:
    """``proof`` truncated, or extended by nodes of the right length."""
    if proof and draw(st.booleans()):
        return proof[: draw(st.integers(0, len(proof) - 1))]
    extra = draw(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=3))
    at = draw(st.integers(0, len(proof)))
    return [*proof[:at], *extra, *proof[at:]]


sizes = st.integers(min_value=1, max_value=200)


@given(st.data())
def test_a_valid_inclusion_proof_verifies_and_any_altered_proof_is_refused(
    data: st.DataObject,
) -> None:
    size = data.draw(sizes)
    index = data.draw(st.integers(0, size - 1))
    root, proof = TREE.root(size), TREE.inclusion_proof(index, size)

    assert verify_inclusion(index, size, leaf(index), proof, root)
    assert root_from_inclusion(index, size, leaf(index), proof) == root
    resized_nodes = data.draw(resized_proof(proof))
    assert refused_as_malformed(verify_inclusion, index, size, leaf(index), resized_nodes, root)
    if proof:
        wrong_length = data.draw(altered_node(proof))
        assert refused_as_malformed(verify_inclusion, index, size, leaf(index), wrong_length, root)
        at = data.draw(st.integers(0, len(proof) - 1))
        other = data.draw(st.binary(min_size=32, max_size=32).filter(lambda b: b != proof[at]))
        changed = [*proof[:at], other, *proof[at + 1 :]]
        assert not verify_inclusion(index, size, leaf(index), changed, root)


@given(st.data())
def test_a_valid_consistency_proof_verifies_and_any_altered_proof_is_refused(
    data: st.DataObject,
) -> None:
    new = data.draw(sizes)
    old = data.draw(st.integers(1, new))
    old_root, new_root, proof = TREE.root(old), TREE.root(new), TREE.consistency_proof(old, new)

    assert verify_consistency(old, new, old_root, new_root, proof)
    resized_nodes = data.draw(resized_proof(proof))
    assert refused_as_malformed(verify_consistency, old, new, old_root, new_root, resized_nodes)
    if proof:
        wrong_length = data.draw(altered_node(proof))
        assert refused_as_malformed(verify_consistency, old, new, old_root, new_root, wrong_length)
        at = data.draw(st.integers(0, len(proof) - 1))
        other = data.draw(st.binary(min_size=32, max_size=32).filter(lambda b: b != proof[at]))
        changed = [*proof[:at], other, *proof[at + 1 :]]
        assert not verify_consistency(old, new, old_root, new_root, changed)
