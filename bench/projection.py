"""Read-model throughput: Kafka -> read models (``KafkaProjector``), and a full rebuild.

Part 1, stream (``--stream-events``, default 20,000): programme events are stored (bulk
``store.save``) and relayed to a fresh 6-partition topic (not measured). Each repetition:

* projector: ``KafkaProjector(TenantViews(fresh schema), fresh group).run(drain=True)``;
  events/s = events / (start of ``run`` -> end of the last applied batch). The drain's
  final empty 500 ms poll is reported apart (wall time);
* raw consumer: a kafka-python ``KafkaConsumer`` (fresh group, same options) reading every
  message and decoding it with ``EventEnvelope.from_json``: what Kafka and decoding cost;
* apply only: ``TenantViews.handle`` on the decoded envelopes in 500-event batches (no
  Kafka): what the read-model writes cost.

Part 2, rebuild (``--events``, default 100,000; ``--events 1000000`` for the full figure):
the events are stored with bulk ``store.save`` of ~1,000 aggregates per call (generation
time reported apart), then ``rebuild_tenant_views`` runs as ``mentoring rebuild`` does
(``gateway.bootstrap.rebuild.rebuild_source``: the log in 20,000-event pages -> envelopes and the
page's key rows -> folded in memory -> COPY into a fresh schema -> swap). Reported: events/s
and the time for 1,000,000 events (measured, or extrapolated linearly); goal <= 60 s
(issue 14). A read-only pass (log -> envelopes) splits reading from writing; the rebuild
logs its own split (reading wait, folding, copying, final writes) and its row count.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from kafka import KafkaConsumer

from domain.envelope import EventEnvelope
from projections.database import PostgresReadModels, open_read_models
from projections.rebuild import rebuild_tenant_views
from services.kafka_bus import KafkaBus, ensure_topic
from services.relay import Relay
from services.relay_coordination import coordinator_for
from services.store import MentoringStore, build_store

import common

REBUILD_GOAL_SECONDS = 60.0
MILLION = 1_000_000


def read_after_of(store: MentoringStore) -> Callable[[int, int], list[EventEnvelope]]:
    """The ``read_after`` of ``mentoring rebuild``, verbatim."""

    def read_after(position: int, limit: int) -> list[EventEnvelope]:
        notifications = store.recorder.select_notifications(
            start=position, limit=limit, inclusive_of_start=False
        )
        return [store.envelope(n) for n in notifications]

    return read_after


def rebuild_reader(store: MentoringStore, url: str) -> tuple[Any, Any, Callable[[], None]]:
    """(read_after, personal opener, close) as ``mentoring rebuild`` builds them; on older
    code (an A/B run), the ``read_after`` above and the store's own opener."""
    try:
        from gateway.bootstrap.rebuild import rebuild_source
    except ImportError:
        try:  # before the composition root held it
            from gateway.cli.rebuild import rebuild_source  # type: ignore[attr-defined,no-redef]
        except ImportError:
            return read_after_of(store), common.personal_opener(store), lambda: None
    return rebuild_source(common.settings_for(url), store)


def all_envelopes(store: MentoringStore) -> list[EventEnvelope]:
    read_after = read_after_of(store)
    out: list[EventEnvelope] = []
    while batch := read_after(out[-1].position if out else 0, 5000):
        out += batch
    return out


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


# --------------------------------------------------------------------------- part 1


def run_projector(
    url: str, bootstrap: str, topic: str, schema: str, expected: int, store: Any = None
) -> dict[str, float]:
    rm = PostgresReadModels(url, schema)
    views = common.tenant_views(rm, store)
    last_applied = [0.0]
    handle = views.handle

    def timed_handle(envelopes: Sequence[EventEnvelope], part: int = 0) -> None:
        handle(envelopes, part)
        last_applied[0] = time.perf_counter()

    views.handle = timed_handle
    projector = common.kafka_projector(
        views,
        common.settings_for(url, bootstrap),
        bootstrap,
        topic,
        common.new_topic_name("bench-g"),
    )
    started = time.perf_counter()
    applied = projector.run(threading.Event(), drain=True)
    ended = time.perf_counter()
    projector.close()
    rm.close()
    drop_schema(url, schema)
    assert applied == expected, (applied, expected)
    return {
        "per_second": applied / (last_applied[0] - started),
        "seconds_to_last_apply": last_applied[0] - started,
        "wall_seconds_with_drain_check": ended - started,
    }


def run_raw_consumer(bootstrap: str, topic: str, expected: int) -> dict[str, float]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=common.new_topic_name("bench-g"),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
    )
    started = time.perf_counter()
    seen = 0
    while seen < expected:
        for records in consumer.poll(timeout_ms=500, max_records=500).values():
            for record in records:
                EventEnvelope.from_json(record.value)
            seen += len(records)
    seconds = time.perf_counter() - started
    consumer.close()
    return {"per_second": seen / seconds, "seconds_to_last_apply": seconds}


def run_apply_only(
    url: str, schema: str, envelopes: list[EventEnvelope], store: Any = None
) -> dict[str, float]:
    rm = PostgresReadModels(url, schema)
    views = common.tenant_views(rm, store)
    started = time.perf_counter()
    for i in range(0, len(envelopes), 500):
        views.handle(envelopes[i : i + 500], part=0)
    seconds = time.perf_counter() - started
    rm.close()
    drop_schema(url, schema)
    return {"per_second": len(envelopes) / seconds, "seconds_to_last_apply": seconds}


def stream_part(server: str, bootstrap: str, args: Any) -> dict[str, Any]:
    with common.fresh_database(server) as url:
        settings = common.settings_for(url, bootstrap)
        store = build_store(settings)
        events, gen_seconds = common.generate_events(store, args.stream_events)
        envelopes = all_envelopes(store)
        topic = common.new_topic_name("bench.projection")
        ensure_topic(bootstrap, topic, 6, 1)
        try:
            coordinator = coordinator_for(settings, store)
            bus = KafkaBus(bootstrap, topic)
            published = Relay(store, bus, coordinator).pump()
            bus.close()
            coordinator.close()
            assert published == events == len(envelopes)
            common.log(f"stream: {events:,} events stored and relayed to {topic}")
            sides = ["projector", "raw_consumer", "apply_only"]
            reps: list[dict[str, Any]] = []
            for r in range(args.repeat):
                rep: dict[str, Any] = {}
                for side in sides[r % 3 :] + sides[: r % 3]:
                    schema = f"bench_rm_{r}_{side}"
                    if side == "projector":
                        rep[side] = run_projector(url, bootstrap, topic, schema, events, store)
                    elif side == "raw_consumer":
                        rep[side] = run_raw_consumer(bootstrap, topic, events)
                    else:
                        rep[side] = run_apply_only(url, schema, envelopes, store)
                rep["ratio_vs_raw_consumer"] = (
                    rep["projector"]["per_second"] / rep["raw_consumer"]["per_second"]
                )
                reps.append(rep)
                common.log(
                    "stream rep {}: projector {:,.0f}/s, raw consumer {:,.0f}/s, apply only {:,.0f}/s".format(
                        r + 1, *(rep[s]["per_second"] for s in sides)
                    )
                )
            if args.profile:
                with common.profiled(args.profile + ".projector"):
                    run_projector(url, bootstrap, topic, "bench_rm_profile", events, store)
        finally:
            store.close()
            common.delete_topics(bootstrap, [topic])

    def med(side: str, key: str = "per_second") -> float:
        return common.median([rep[side][key] for rep in reps])

    return {
        "events": events,
        "generation_seconds": gen_seconds,
        "repetitions": args.repeat,
        "projector_per_second": med("projector"),
        "projector_wall_seconds_with_drain_check": med(
            "projector", "wall_seconds_with_drain_check"
        ),
        "raw_consumer_per_second": med("raw_consumer"),
        "apply_only_per_second": med("apply_only"),
        "ratio_projector_vs_raw_consumer": common.median(
            [rep["ratio_vs_raw_consumer"] for rep in reps]
        ),
        "runs": reps,
    }


# --------------------------------------------------------------------------- part 2


class _ToBenchLog(logging.Handler):
    """The rebuild's own account of its steps (reading, folding, copying, writing)."""

    def emit(self, record: logging.LogRecord) -> None:
        common.log(record.getMessage())


def rebuild_part(server: str, args: Any) -> dict[str, Any]:
    steps = logging.getLogger("projections.rebuild")
    steps.setLevel(logging.INFO)
    steps.addHandler(_ToBenchLog())
    with common.fresh_database(server) as url:
        store = build_store(common.settings_for(url))
        last = [time.perf_counter()]

        def progress(n: int) -> None:
            if time.perf_counter() - last[0] > 15:
                last[0] = time.perf_counter()
                common.log(f"generating: {n:,} events")

        events, gen_seconds = common.generate_events(store, args.events, progress=progress)
        common.log(f"rebuild: generated {events:,} events in {gen_seconds:.1f} s")
        live = open_read_models(url, "readmodels")
        read_after, personal, close = rebuild_reader(store, url)
        # as `mentoring rebuild` calls it, less carrying other projections over
        extra = common.supported(rebuild_tenant_views, personal=personal)
        runs: list[dict[str, float]] = []
        for r in range(args.rebuild_repeat):
            started = time.perf_counter()
            final = rebuild_tenant_views(live, read_after, **extra)
            seconds = time.perf_counter() - started
            assert final == events, (final, events)
            # read-only pass: the same log -> envelopes work, no writes
            started = time.perf_counter()
            position = 0
            while batch := read_after(position, 5000):
                position = batch[-1].position
            read_seconds = time.perf_counter() - started
            runs.append(
                {
                    "seconds": seconds,
                    "per_second": events / seconds,
                    "read_only_seconds": read_seconds,
                    "read_only_per_second": events / read_seconds,
                }
            )
            common.log(
                f"rebuild {r + 1}: {seconds:.1f} s = {events / seconds:,.0f} events/s "
                f"(reading alone {read_seconds:.1f} s)"
            )
        with live.transaction() as tx:  # as the owner: reading() is subject to row-level security
            counts = {
                t: tx.execute(f"SELECT count(*) AS n FROM {t}").fetchone()["n"]  # noqa: S608
                for t in ("mentees", "attendance", "outcomes", "mentoring_groups")
            }
        if args.profile:
            with common.profiled(args.profile + ".rebuild"):
                rebuild_tenant_views(live, read_after, **extra)
        close()
        live.close()
        store.close()
    per_second = common.median([r["per_second"] for r in runs])
    million = (
        MILLION / per_second
        if events < MILLION
        else common.median([r["seconds"] for r in runs]) * MILLION / events
    )
    return {
        "events": events,
        "generation_seconds": gen_seconds,
        "generation_per_second": events / gen_seconds,
        "repetitions": args.rebuild_repeat,
        "seconds": common.median([r["seconds"] for r in runs]),
        "per_second": per_second,
        "read_only_per_second": common.median([r["read_only_per_second"] for r in runs]),
        "seconds_for_1m_events": million,
        "seconds_for_1m_measured": events >= MILLION,
        "goal": f"<= {REBUILD_GOAL_SECONDS:.0f} s for 1,000,000 events",
        "goal_met": million <= REBUILD_GOAL_SECONDS,
        "rows": counts,
        "runs": runs,
    }


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--stream-events", type=int, default=20_000)
    p.add_argument("--repeat", type=int, default=3, help="repetitions of the stream part")
    p.add_argument("--events", type=int, default=100_000, help="events for the rebuild")
    p.add_argument("--rebuild-repeat", type=int, default=3)
    p.add_argument("--skip-stream", action="store_true")
    p.add_argument("--skip-rebuild", action="store_true")
    args = p.parse_args()

    server, bootstrap = common.service_urls()
    info = common.machine()
    results: dict[str, Any] = {"benchmark": "projection", "machine": info}
    text: list[str] = []
    if not args.skip_stream:
        s = results["stream"] = stream_part(server, bootstrap, args)
        text.append(
            common.table(
                f"Kafka -> read models: {s['events']:,} events, 6 partitions, {s['repetitions']} "
                f"repetitions (medians; {info['cores']} cores, load {info['loadavg_1m_at_start']})",
                ["path", "events/s", "range"],
                [
                    [
                        "KafkaProjector(drain) -> TenantViews",
                        s["projector_per_second"],
                        common.spread([r["projector"]["per_second"] for r in s["runs"]]),
                    ],
                    [
                        "raw KafkaConsumer + from_json (no writes)",
                        s["raw_consumer_per_second"],
                        common.spread([r["raw_consumer"]["per_second"] for r in s["runs"]]),
                    ],
                    [
                        "TenantViews.handle only (no Kafka)",
                        s["apply_only_per_second"],
                        common.spread([r["apply_only"]["per_second"] for r in s["runs"]]),
                    ],
                ],
            )
            + f"\nprojector / raw consumer: {s['ratio_projector_vs_raw_consumer']:.2f}; projector "
            f"wall time incl. the drain's last empty poll: "
            f"{s['projector_wall_seconds_with_drain_check']:.2f} s"
        )
    if not args.skip_rebuild:
        b = results["rebuild"] = rebuild_part(server, args)
        how = "measured" if b["seconds_for_1m_measured"] else "extrapolated"
        text.append(
            common.table(
                f"rebuild_tenant_views from {b['events']:,} events, {b['repetitions']} "
                f"repetition(s) (medians)",
                ["figure", "value"],
                [
                    ["rebuild seconds", b["seconds"]],
                    ["rebuild events/s", b["per_second"]],
                    ["reading log -> envelopes alone, events/s", b["read_only_per_second"]],
                    [f"seconds for 1,000,000 events ({how})", b["seconds_for_1m_events"]],
                    ["generation (not measured), events/s", b["generation_per_second"]],
                ],
            )
            + f"\ngoal <= {REBUILD_GOAL_SECONDS:.0f} s for 1M events: "
            + ("met" if b["goal_met"] else "NOT met")
        )
    common.emit(args, results, "\n\n".join(text))


if __name__ == "__main__":
    main()
