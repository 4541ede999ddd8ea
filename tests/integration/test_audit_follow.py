"""`mentoring audit follow` on the production path: two followers, one audit log, signed."""

from __future__ import annotations

import signal

import psycopg

from domain.audit.merkle import MemoryTree
from services.audit.records import records_after
from services.store import MentoringStore
from tests.integration.conftest import ProductionPath, seed_groups, wait_until


def audit_head(production: ProductionPath) -> tuple[int, bytes | None]:
    try:
        rows = production.sql("SELECT size, root FROM readmodels.audit_trees WHERE tree = 'global'")
    except psycopg.errors.UndefinedTable:
        return 0, None
    return (int(rows[0][0]), bytes(rows[0][1])) if rows else (0, None)  # type: ignore[call-overload]


def test_two_followers_build_one_audit_log_and_sign_it(
    production: ProductionPath, store: MentoringStore
) -> None:
    head = seed_groups(store, 40)
    key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # 32 bytes, base64
    followers = [
        production.start("audit", "follow", MENTORING_AUDIT_SIGNING_KEY=key) for _ in range(2)
    ]
    for follower in followers:  # its SIGTERM handler is installed and it is connected
        production.wait_for_line(follower, "audit follower ready")
    stored = records_after(store, 0, head + 1)

    wait_until(lambda: audit_head(production)[0] == len(stored), 60, "the audit log caught up")
    wait_until(
        lambda: bool(production.sql("SELECT 1 FROM readmodels.audit_checkpoints")),
        30,
        "a checkpoint was signed",
    )
    for follower in followers:
        follower.send_signal(signal.SIGTERM)
        assert follower.wait(timeout=20) == 0, production.stderr[follower.pid].text()

    assert audit_head(production)[1] == MemoryTree(r.leaf_hash() for r in stored).root()
    assert production.scalar("SELECT count(*) FROM readmodels.audit_leaves") == len(stored)
    signed = production.sql(
        "SELECT tree_size FROM readmodels.audit_checkpoints WHERE tree = 'global'"
    )
    assert signed[0][0] == len(stored)
