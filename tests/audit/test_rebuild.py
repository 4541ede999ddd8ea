"""Rebuilding the tenant views keeps the audit trail: its trees and signed checkpoints."""

from __future__ import annotations

from domain.envelope import EventEnvelope
from gateway.bootstrap import Platform
from projections.audit.carry_over import carry_over_audit_log
from projections.database import PostgresReadModels, SQLiteReadModels
from projections.rebuild import rebuild_tenant_views
from services.audit.records import envelopes_after
from tests.audit.conftest import audit_of


def test_a_rebuild_carries_the_audit_trail_over(demo: Platform) -> None:
    trail = audit_of(demo)
    head, checkpoints = trail.log.head(), trail.log.checkpoints()
    live = demo.read_models
    assert isinstance(live, SQLiteReadModels | PostgresReadModels)

    def read_after(position: int, limit: int) -> list[EventEnvelope]:
        return envelopes_after(demo.store, position, limit)

    rebuild_tenant_views(
        live, read_after, carry_over=carry_over_audit_log, personal=demo.store.personal_data.text
    )

    assert trail.log.head() == head
    assert trail.log.checkpoints() == checkpoints
    assert trail.log.position() == demo.store.recorder.max_notification_id()
    assert trail.pump() == 0
    assert trail.report()["checkpoint"]["tree_size"] == head.size
