"""The demo programme on each event store, with its audit trail caught up and signed."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import psycopg
import pytest

from gateway.audit.trail import AuditTrail
from gateway.bootstrap import Platform
from services.demo import seed_demo
from services.settings import Settings

DEMO_DAY = date(2026, 5, 1)


@pytest.fixture
def demo(platform: Platform) -> Platform:
    """The seeded demo, its audit log caught up and one global checkpoint signed."""
    seed_demo(platform.store, today=DEMO_DAY)
    platform.catch_up(platform.store.recorder.max_notification_id() or 0)
    trail = audit_of(platform)
    trail.issue_checkpoint()
    return platform


def audit_of(platform: Platform) -> AuditTrail:
    assert platform.audit is not None
    return platform.audit


def change_stored_event(settings: Settings, table: str, position: int, state: bytes) -> None:
    """What an intruder with database access does: rewrite one stored event in place."""
    if settings.uses_postgres:
        with psycopg.connect(settings.database_url) as conn:
            conn.execute(
                f"UPDATE {table} SET state = %s WHERE notification_id = %s", (state, position)
            )
        return
    with sqlite3.connect(settings.event_store_path) as conn:
        conn.execute(f"UPDATE {table} SET state = ? WHERE rowid = ?", (state, position))


def delete_stored_event(settings: Settings, table: str, position: int) -> None:
    if settings.uses_postgres:
        with psycopg.connect(settings.database_url) as conn:
            conn.execute(f"DELETE FROM {table} WHERE notification_id = %s", (position,))
        return
    with sqlite3.connect(settings.event_store_path) as conn:
        conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (position,))


def forget_audit_log(platform: Platform) -> None:
    """Drop the derived trees (as a read-model rebuild would), keeping the checkpoints."""
    with platform.read_models.transaction() as tx:
        for table in ("audit_leaves", "audit_nodes", "audit_trees", "audit_reports"):
            tx.execute(f"DELETE FROM {table}")
        tx.execute("DELETE FROM projection_tracking WHERE projection = 'audit_log'")


def events_table(platform: Platform) -> str:
    return str(platform.store.recorder.events_table_name)  # type: ignore[attr-defined]


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    return tmp_path / "export"
