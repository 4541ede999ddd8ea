"""Queries of a PIN's API keys and of its activity feed (what happened, without personal data)."""

from __future__ import annotations

from projections.database import Executor
from projections.rows import ApiKeyRow, FeedRow


def api_key(conn: Executor, ident: str) -> ApiKeyRow | None:
    """A key by id, of any PIN: used to authenticate, before the caller's PIN is known."""
    sql = f"SELECT {ApiKeyRow.select()} FROM api_keys WHERE id = ?"
    found = conn.execute(sql, (ident,)).fetchone()
    return ApiKeyRow.decode(found) if found else None


def api_keys(conn: Executor, tenant_id: str) -> list[ApiKeyRow]:
    rows = conn.execute(
        f"SELECT {ApiKeyRow.select()} FROM api_keys WHERE tenant_id = ? ORDER BY seq", (tenant_id,)
    ).fetchall()
    return [ApiKeyRow.decode(r) for r in rows]


def activity_after(conn: Executor, tenant_id: str, after: int, limit: int = 100) -> list[FeedRow]:
    """What happened in a PIN after store position ``after``, oldest first."""
    rows = conn.execute(
        f"SELECT {FeedRow.select()} FROM activity_feed WHERE tenant_id = ? AND position > ? "
        "ORDER BY position LIMIT ?",
        (tenant_id, after, limit),
    ).fetchall()
    return [FeedRow.decode(r) for r in rows]


def last_activity(conn: Executor, tenant_id: str) -> int:
    row = conn.execute(
        "SELECT coalesce(max(position), 0) AS position FROM activity_feed WHERE tenant_id = ?",
        (tenant_id,),
    ).fetchone()
    return int(row["position"])
