"""The audit trail kept across a rebuild: copied into the rebuilt read models before the swap."""

from __future__ import annotations

import sqlite3

from projections.audit.log import AuditLog
from projections.database import Executor, PostgresReadModels, ReadModels, SQLiteReadModels

AUDIT_TABLES = ("audit_leaves", "audit_nodes", "audit_trees", "audit_checkpoints", "audit_reports")
# History a rebuild keeps: the audit trail, and the statistics releases published so far.
CARRIED_OVER = (*AUDIT_TABLES, "statistics_releases", "statistics_release_values")


def carry_over_audit_log(live: ReadModels, replacement: ReadModels) -> None:
    """Copy the audit trail (and the statistics releases) into rebuilt read models before
    they are swapped in.

    A tenant-views rebuild replaces the whole read-model schema (or file); the signed
    checkpoints must survive it, and the trees need not be hashed again. Runs while writers
    wait (the live tracking table is locked), so the copy is consistent; the audit log's
    tracking position is the position of its last leaf.
    """
    if isinstance(live, PostgresReadModels) and isinstance(replacement, PostgresReadModels):
        with replacement.transaction() as tx:
            for table in CARRIED_OVER:
                tx.execute(f"INSERT INTO {table} SELECT * FROM {live.schema}.{table}")
            _track_last_leaf(tx)
        return
    if isinstance(live, SQLiteReadModels) and isinstance(replacement, SQLiteReadModels):
        conn = sqlite3.connect(replacement.path, timeout=10, isolation_level=None)
        try:
            conn.execute("ATTACH DATABASE ? AS live", (str(live.path),))
            conn.execute("BEGIN IMMEDIATE")
            for table in CARRIED_OVER:
                conn.execute(f"INSERT INTO main.{table} SELECT * FROM live.{table}")
            _track_last_leaf(conn)
            conn.execute("COMMIT")
            conn.execute("DETACH DATABASE live")
        finally:
            conn.close()
        return
    raise TypeError("Read models of different kinds cannot carry the audit trail over.")


def _track_last_leaf(tx: Executor) -> None:
    tx.execute(
        "INSERT INTO projection_tracking (projection, part, position) "
        "SELECT ?, 0, COALESCE(max(position), 0) FROM audit_leaves WHERE true "
        "ON CONFLICT (projection, part) DO UPDATE SET position = excluded.position",
        (AuditLog.name,),
    )
