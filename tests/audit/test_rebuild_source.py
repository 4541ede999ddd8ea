"""``mentoring rebuild`` reads the store as the projection does: the same envelopes, and
personal fields opened with keys read a page at a time (erased people's as placeholders)."""

from __future__ import annotations

from gateway.bootstrap import Platform
from gateway.bootstrap.rebuild import rebuild_source
from projections.audit.carry_over import carry_over_audit_log
from projections.database import PostgresReadModels, SQLiteReadModels
from projections.rebuild import rebuild_tenant_views
from services.privacy.use_cases import ErasePerson, erase_mentee
from tests.projections.test_rebuild_equals_live import snapshot
from tests.services.conftest import build


def test_the_cli_source_rebuilds_what_the_projection_built(demo: Platform) -> None:
    arec = build(demo, "arec", mentees=4)
    erase_mentee(demo.store, ErasePerson(arec.mentee_ids[0]), arec.ctx)
    head = demo.store.recorder.max_notification_id() or 0
    assert demo.catch_up(head)
    live = demo.read_models
    assert isinstance(live, SQLiteReadModels | PostgresReadModels)
    before = snapshot(live)

    read_after, personal, close = rebuild_source(demo.settings, demo.store)
    assert [e.position for e in read_after(0, 7)] == list(range(1, 8))
    try:
        final = rebuild_tenant_views(
            live, read_after, carry_over=carry_over_audit_log, personal=personal
        )
    finally:
        close()

    assert final == head
    after = snapshot(live)
    assert after == before
    names = {row[0][1]: dict(row)["name"] for row in after["mentees"]}
    assert names[str(arec.mentee_ids[0])] == "[erased]"
    assert names[str(arec.mentee_ids[1])] == "Newcomer 1"
