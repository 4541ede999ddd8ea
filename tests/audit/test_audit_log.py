"""The audit projection keeps the trees incrementally, in store order, on SQLite and PostgreSQL."""

from __future__ import annotations

from uuid import uuid4

from domain.audit.merkle import MemoryTree, verify_consistency, verify_inclusion
from domain.audit.records import GLOBAL_TREE, EventRecord
from gateway.bootstrap import Platform
from projections.audit.log import AuditLog
from services.audit.records import records_after
from tests.audit.conftest import audit_of, forget_audit_log

TENANTS = ("tenant-a", "tenant-b", "tenant-c")


def records(count: int, start: int = 0) -> list[EventRecord]:
    """Synthetic stored events with gaps in their positions, spread over three tenants."""
    return [
        EventRecord(
            position=3 * i + 1,
            tenant_id=TENANTS[i % 3 if i % 7 else 0],
            originator_id=uuid4(),
            originator_version=1 + i % 4,
            topic="domain.people:Mentee.Enrolled",
            state=f'{{"n": {i}}}'.encode(),
        )
        for i in range(start, start + count)
    ]


def test_appending_in_batches_builds_the_same_trees_as_hashing_everything_at_once(
    platform: Platform,
) -> None:
    log = AuditLog(platform.read_models)
    stored = records(137)
    for start in range(0, 137, 25):
        log.append(stored[start : start + 25], after=log.position())

    expected = MemoryTree(r.leaf_hash() for r in stored)
    assert log.head().size == 137
    assert log.head().root == expected.root()
    for tenant in TENANTS:
        mine = MemoryTree(r.leaf_hash() for r in stored if r.tenant_id == tenant)
        assert log.head(tenant).root == mine.root()
        assert log.root_at(tenant, 5) == mine.root(5)
    for size in (1, 2, 63, 64, 65, 100, 137):
        assert log.root_at(GLOBAL_TREE, size) == expected.root(size)
        for index in (0, size // 2, size - 1):
            proof = log.inclusion_proof(GLOBAL_TREE, index, size)
            assert proof == expected.inclusion_proof(index, size)
            assert verify_inclusion(
                index, size, stored[index].leaf_hash(), proof, expected.root(size)
            )
        proof = log.consistency_proof(GLOBAL_TREE, size // 3 or 1, size)
        assert verify_consistency(
            size // 3 or 1, size, expected.root(size // 3 or 1), expected.root(size), proof
        )


def test_an_event_delivered_twice_is_appended_once(platform: Platform) -> None:
    log = AuditLog(platform.read_models)
    stored = records(10)
    log.append(stored, after=0)

    assert log.append(stored[5:], after=stored[-1].position) == 0
    assert log.append(stored, after=0) == 0  # read before the log moved on: refused
    assert log.head().size == 10


def test_two_followers_take_turns_and_never_append_an_event_twice(platform: Platform) -> None:
    first, second = AuditLog(platform.read_models), AuditLog(platform.read_models)
    stored = records(40)

    def read_after(position: int, limit: int) -> list[EventRecord]:
        return [r for r in stored if r.position > position][:limit]

    first.append(stored[:10], after=0)
    assert second.pump(read_after, batch_size=7) == 30
    first.pump(read_after)

    assert first.head().size == second.head().size == 40
    assert first.head().root == MemoryTree(r.leaf_hash() for r in stored).root()


def test_the_projection_follows_the_store_and_rebuilds_trees_it_lost(demo: Platform) -> None:
    trail = audit_of(demo)
    head = trail.log.head()
    stored = records_after(demo.store, 0, 10_000)
    assert head.size == len(stored) > 900
    assert head.root == MemoryTree(r.leaf_hash() for r in stored).root()

    forget_audit_log(demo)
    trail.pump()

    assert trail.log.head() == head
    assert trail.log.latest_checkpoint() is not None  # signed checkpoints are kept
