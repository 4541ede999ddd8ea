"""A rebuild makes, row for row, the read models the live projection made from the same events.

The rebuild folds the log in memory and writes it with COPY (``projections.rebuild_fold``,
each handling's ``fold``); the live projection applies each event with its handler. Both run here on random
programmes (``tests.projections.programme``) over every table of the read models, the
programme statistics and the activity feed included, on SQLite and on PostgreSQL. Events
stored while a rebuild runs are applied by the handlers after the bulk load: the comparison
covers that too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import projections.tenant_views as tv
from domain.envelope import EventEnvelope
from projections.database import PostgresReadModels, RebuildableReadModels, SQLiteReadModels
from projections.facts import Facts
from projections.handling import Handling
from projections.rebuild import rebuild_tenant_views
from tests.projections.programme import opener, programme

# Rows that differ by design: the live projection tracks bus partition 0, a rebuild the floor;
# the live projection counts its batches per PIN (the result cache's key), a rebuild starts
# the counters again.
NOT_COMPARED = {"schema_migrations", "projection_tracking", "tenant_versions"}


def _tables(db: RebuildableReadModels) -> list[str]:
    with db.transaction() as tx:
        if isinstance(db, SQLiteReadModels):
            rows = tx.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            return sorted(r["name"] for r in rows if r["name"] not in NOT_COMPARED)
        assert isinstance(db, PostgresReadModels)
        rows = tx.execute(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = ?", (db.schema,)
        ).fetchall()
    return sorted(r["name"] for r in rows if r["name"] not in NOT_COMPARED)


def snapshot(db: RebuildableReadModels) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (as the owner: no row-level security), in a stable order."""
    tables = _tables(db)
    with db.transaction() as tx:
        return {
            table: sorted(
                (tuple(dict(row).items()) for row in tx.execute(f"SELECT * FROM {table}")),
                key=repr,
            )
            for table in tables
        }


def _tracking(db: RebuildableReadModels) -> list[tuple[Any, ...]]:
    with db.transaction() as tx:
        rows = tx.execute(
            "SELECT part, position, occurred_at FROM projection_tracking WHERE projection = ?",
            (tv.TenantViews.name,),
        ).fetchall()
    return [(r["part"], r["position"], r["occurred_at"]) for r in rows]


def reader(
    events: Sequence[EventEnvelope], first: int
) -> Callable[[int, int], Sequence[EventEnvelope]]:
    """A store log of which only the first ``first`` events are there until the log was read
    to its end once: the rest come while the rebuild runs."""
    visible = [first]

    def read_after(position: int, limit: int) -> Sequence[EventEnvelope]:
        page = [e for e in events[: visible[0]] if e.position > position][:limit]
        if not page:
            visible[0] = len(events)
        return page

    return read_after


def live_then_rebuilt(
    db: RebuildableReadModels, events: list[EventEnvelope], batch: int, first: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    views = tv.TenantViews(db, personal=opener)
    for i in range(0, len(events), batch):
        views.handle(events[i : i + batch])
    live = snapshot(db)
    final = rebuild_tenant_views(db, reader(events, first), personal=opener)
    assert final == events[-1].position
    assert _tracking(db) == [(tv.FLOOR, events[-1].position, events[-1].occurred_at)]
    return live, snapshot(db)


def assert_same(live: dict[str, Any], rebuilt: dict[str, Any]) -> None:
    assert rebuilt.keys() == live.keys()
    for table in live:
        assert rebuilt[table] == live[table], table
    # the comparison covered rows of these (a short programme may record no attendance:
    # seed 464, size 150)
    for table in ("network_stats", "activity_feed", "follow_ups"):
        assert live[table], table


PROGRAMMES = dict(
    seed=st.integers(0, 2**32),
    size=st.integers(150, 600),
    batch=st.sampled_from([1, 7, 50, 500]),
    tail=st.integers(0, 40),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(**PROGRAMMES)
def test_a_rebuild_on_sqlite_equals_the_live_projection(
    tmp_path: Path, seed: int, size: int, batch: int, tail: int
) -> None:
    events = programme(seed, size)
    db = SQLiteReadModels(tmp_path / f"{uuid.uuid4().hex}.db")
    try:
        assert_same(*live_then_rebuilt(db, events, batch, max(1, len(events) - tail)))
    finally:
        db.close()


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(**PROGRAMMES)
def test_a_rebuild_on_postgres_equals_the_live_projection(
    postgres_url: str, seed: int, size: int, batch: int, tail: int
) -> None:
    events = programme(seed, size)
    # small pools, closed after each programme: the server's connections are shared
    db = PostgresReadModels(
        postgres_url, f"rm_{uuid.uuid4().hex[:12]}", pool_size=2, max_overflow=1
    )
    try:
        assert_same(*live_then_rebuilt(db, events, batch, max(1, len(events) - tail)))
    finally:
        db.close()


def test_every_handler_has_a_batch_form() -> None:
    """A new handler needs its fold (else a rebuild falls back to one statement per event)."""
    assert all(handling.fold is not None for handling in tv.policy(Facts()).values())


def test_a_handler_without_a_batch_form_makes_the_rebuild_use_the_handlers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied: list[str] = []
    composed = tv.policy

    def without_a_fold(facts: Facts) -> dict[str, Handling]:
        handling = composed(facts)
        original = handling["Group.SessionHeld"].apply

        def counting(tx: Any, e: EventEnvelope) -> None:
            applied.append(e.aggregate_id)
            original(tx, e)

        return {**handling, "Group.SessionHeld": Handling(counting, None)}

    monkeypatch.setattr(tv, "policy", without_a_fold)
    assert tv.TenantViews(SQLiteReadModels(tmp_path / "check.db")).folds() is None
    events = programme(7, 300)
    held = [e.aggregate_id for e in events if e.event_type == "Group.SessionHeld"]
    db = SQLiteReadModels(tmp_path / "rm.db")
    live, rebuilt = live_then_rebuilt(db, events, 50, len(events))
    db.close()
    assert applied == held + held  # live, then the rebuild
    assert_same(live, rebuilt)
