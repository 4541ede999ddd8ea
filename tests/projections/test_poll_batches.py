"""A projector's poll: the batches of several partitions applied in one transaction.

``TenantViews.handle_batches`` applies every partition's batch with its tracking in one
read-model transaction (pipelined on PostgreSQL), instead of one transaction per partition.
The effect must be the same as partition by partition: exactly once (tracking skips what
comes again), a poison event stops the projection naming it with the events before it
applied, and a fault of the database applies nothing and raises for the caller to reconnect.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

from domain.envelope import EventEnvelope
from gateway.bootstrap import build_platform
from projections.database import PostgresReadModels, RebuildableReadModels, SQLiteReadModels
from projections.tenant_views import PoisonEvent, TenantViews
from services.settings import Settings
from tests.services.conftest import build

PARTS = 3
TABLES = ("mentees", "mentors", "cohorts", "mentoring_groups", "group_members", "activity_feed")


@pytest.fixture(scope="module")
def published(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[list[EventEnvelope], Any]]:
    """Two PINs' programmes as the relay publishes them, and what opens their personal fields."""
    folder = tmp_path_factory.mktemp("published")
    platform = build_platform(
        Settings(database_url=f"sqlite:///{folder}/events.db", consistency_timeout=5)
    )
    build(platform, "arec", mentees=5)
    build(platform, "iccc", mentees=4)
    store = platform.store
    envelopes = [store.envelope(n) for n in store.recorder.select_notifications(1, 10_000)]
    try:
        yield envelopes, store.personal_data.text
    finally:
        platform.close()


def partitioned(envelopes: list[EventEnvelope]) -> dict[int, list[EventEnvelope]]:
    """Split by aggregate, as the bus's key does (each aggregate's events in order in one
    partition); the aggregates go round the partitions in the order they first appear."""
    parts: dict[int, list[EventEnvelope]] = {part: [] for part in range(PARTS)}
    owner: dict[str, int] = {}
    for envelope in envelopes:
        part = owner.setdefault(envelope.aggregate_id, len(owner) % PARTS)
        parts[part].append(envelope)
    return parts


@pytest.fixture(params=["postgres", "sqlite"])
def databases(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[RebuildableReadModels, RebuildableReadModels]]:
    """Two empty read-model databases of the kind: one under test, one for reference."""
    if request.param == "sqlite":
        dbs: tuple[Any, Any] = (
            SQLiteReadModels(tmp_path / "tested.db"),
            SQLiteReadModels(tmp_path / "reference.db"),
        )
    else:
        url = request.getfixturevalue("postgres_url")
        dbs = (PostgresReadModels(url, "readmodels"), PostgresReadModels(url, "reference"))
    try:
        yield dbs
    finally:
        for db in dbs:
            db.close()


def contents(db: RebuildableReadModels) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of the main tables and the tracking, in a fixed order."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with db.transaction() as tx:
        for table in (*TABLES, "projection_tracking"):
            rows = tx.execute(f"SELECT * FROM {table}").fetchall()
            found[table] = sorted(tuple(str(v) for v in dict(row).values()) for row in rows)
    return found


def tracking(db: RebuildableReadModels) -> dict[int, int]:
    with db.transaction() as tx:
        rows = tx.execute("SELECT part, position FROM projection_tracking").fetchall()
    return {int(row["part"]): int(row["position"]) for row in rows}


def test_a_poll_has_the_effect_of_its_partitions_applied_one_by_one_and_once(
    published: tuple[list[EventEnvelope], Any],
    databases: tuple[RebuildableReadModels, RebuildableReadModels],
) -> None:
    envelopes, personal = published
    tested, reference = databases
    parts = partitioned(envelopes)
    assert all(parts.values()), "every partition has events"
    views = TenantViews(tested, in_process=False, personal=personal)
    alone = TenantViews(reference, in_process=False, personal=personal)
    for part, batch in parts.items():
        alone.handle(batch, part)

    half = {part: batch[: len(batch) // 2] for part, batch in parts.items()}
    views.handle_batches(half)
    views.handle_batches(parts)  # the first halves come again: skipped
    views.handle_batches(parts)  # the whole poll again: nothing changes

    assert contents(tested) == contents(reference)
    assert tracking(tested) == {part: batch[-1].position for part, batch in parts.items()}
    assert views.status.position == max(e.position for e in envelopes)
    assert views.status.error is None


def test_a_poll_is_one_transaction(
    published: tuple[list[EventEnvelope], Any], postgres_url: str
) -> None:
    envelopes, personal = published
    db = PostgresReadModels(postgres_url, "readmodels")
    try:
        TenantViews(db, in_process=False, personal=personal).handle_batches(partitioned(envelopes))
        with db.transaction() as tx:
            row = tx.execute(
                "SELECT count(DISTINCT xmin::text) AS n FROM ("
                "SELECT xmin FROM projection_tracking UNION ALL SELECT xmin FROM mentees "
                "UNION ALL SELECT xmin FROM activity_feed) AS written"
            ).fetchone()
    finally:
        db.close()
    assert row["n"] == 1  # every row written by the same transaction


def _poison_after(batch: list[EventEnvelope], good: int) -> list[EventEnvelope]:
    """``batch`` with its event at index ``good`` made unappliable (its type's fields lacking)."""
    poison = replace(batch[good], event_type="Group.MenteeAdded", payload={"unexpected": True})
    return [*batch[:good], poison, *batch[good + 1 :]]


def test_a_poison_event_in_one_partition_leaves_the_good_events_applied_and_names_itself(
    published: tuple[list[EventEnvelope], Any],
    databases: tuple[RebuildableReadModels, RebuildableReadModels],
) -> None:
    envelopes, personal = published
    tested, _ = databases
    parts = partitioned(envelopes)
    good = 2
    poisoned = _poison_after(parts[0], good)  # the first partition of the poll
    views = TenantViews(tested, in_process=False, personal=personal)

    with pytest.raises(PoisonEvent) as stopped:
        views.handle_batches({0: poisoned, 1: parts[1], 2: parts[2]})

    named = f"Group.MenteeAdded at position {poisoned[good].position}"
    assert named in str(stopped.value)
    assert views.status.error is not None
    assert named in views.status.error
    assert tracking(tested) == {
        0: poisoned[good - 1].position,  # stopped at the poison event, not before it
        1: parts[1][-1].position,  # the other partitions of the poll are applied
        2: parts[2][-1].position,
    }
    reported = views.reported()
    assert reported is not None
    assert named in str(reported["error"])

    views.handle_batches({0: parts[0]})  # the event is good when delivered again
    assert views.status.error is None
    assert tracking(tested)[0] == parts[0][-1].position


def test_configured_to_dead_letter_a_poll_skips_the_poison_event_and_applies_the_rest(
    published: tuple[list[EventEnvelope], Any],
    databases: tuple[RebuildableReadModels, RebuildableReadModels],
) -> None:
    envelopes, personal = published
    tested, _ = databases
    parts = partitioned(envelopes)
    poisoned = _poison_after(parts[1], 1)
    views = TenantViews(tested, in_process=False, personal=personal, dead_letter=True)

    views.handle_batches({0: parts[0], 1: poisoned, 2: parts[2]})

    assert tracking(tested) == {part: batch[-1].position for part, batch in parts.items()}
    with tested.transaction() as tx:
        letters = tx.execute("SELECT position, event_type FROM dead_letters").fetchall()
    assert [(row["position"], row["event_type"]) for row in letters] == [
        (poisoned[1].position, "Group.MenteeAdded")
    ]
    assert views.status.error is None


def test_a_fault_of_the_database_applies_nothing_of_the_poll_and_raises(
    published: tuple[list[EventEnvelope], Any], postgres_url: str
) -> None:
    """A statement fails because of the database, not the event (a lock it cannot get in
    time, as a dropped connection would): no partition is applied, nothing is reported as
    a poison event, and the caller reconnects and gets the poll again."""
    envelopes, personal = published
    db = PostgresReadModels(postgres_url, "readmodels")
    views = TenantViews(db, in_process=False, personal=personal)
    parts = partitioned(envelopes)
    database = postgres_url.rsplit("/", 1)[1]
    try:
        with psycopg.connect(postgres_url) as holder:
            holder.execute(f"ALTER DATABASE {database} SET lock_timeout = '200ms'")
            holder.commit()
            db.close()  # new connections, with the setting
            db = PostgresReadModels(postgres_url, "readmodels")
            views = TenantViews(db, in_process=False, personal=personal)
            holder.execute("LOCK TABLE readmodels.mentoring_groups IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(psycopg.OperationalError):
                views.handle_batches(parts)
            holder.rollback()
            holder.execute(f"ALTER DATABASE {database} RESET lock_timeout")
            holder.commit()
        assert tracking(db) == {}
        assert views.status.error is None
        assert views.reported() is None

        views.handle_batches(parts)  # once the database lets it
        assert tracking(db) == {part: batch[-1].position for part, batch in parts.items()}
    finally:
        db.close()
