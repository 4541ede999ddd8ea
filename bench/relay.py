"""Events per second store -> Kafka through ``Relay.pump()`` with ``KafkaBus`` vs a raw producer.

One fresh database is pre-loaded with programme events (bulk ``store.save`` of many
aggregates per call; not measured). Each repetition then publishes every stored event:

* relay: ``Relay(store, KafkaBus(...), PostgresCoordinator, batch_size).pump()`` from
  position 0 (reads the notification log in batches, decodes each event, builds its
  envelope, sends, flushes per batch, records the position per batch);
* raw: a kafka-python ``KafkaProducer`` with KafkaBus's settings (acks=all, idempotent,
  linger 5 ms, 256 KiB batches) sending the same key/value/headers, computed beforehand,
  then one flush and every future checked;
* raw-defaults: the same with kafka-python's default producer settings (acks=all).

Each measurement gets a fresh topic of 6 partitions; the order of the three alternates per
repetition. Ratio = relay / raw (same settings), per repetition; goal >= 0.7. A stage
breakdown (read only; read + envelope; read + envelope + JSON/headers) tells where the
relay's own time goes without a profiler.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from kafka import KafkaProducer

from services.kafka_bus import KafkaBus, headers
from services.relay import Relay
from services.relay_coordination import coordinator_for
from services.settings import Settings
from services.store import MentoringStore, build_store

import common

GOAL = 0.7
PIPELINED = False  # --experiment-pipelined
Message = tuple[bytes, bytes, list[tuple[str, bytes]]]


def pump_pipelined(
    store: MentoringStore, bus: KafkaBus, position: Any, batch: int, timeout: float = 30
) -> int:
    """Experiment: the relay's loop with one batch in flight while the next is read and sent.

    Same guarantees: a position is recorded only after the broker acknowledged every
    message up to it; one idempotent producer keeps the order per partition.
    """
    producer = bus._producer
    published = 0
    start = position.get()
    inflight: tuple[int, list[Any]] | None = None
    while True:
        notifications = store.recorder.select_notifications(
            start=start, limit=batch, inclusive_of_start=False
        )
        futures = []
        for n in notifications:
            e = store.envelope(n)
            futures.append(
                producer.send(
                    bus.topic, key=e.aggregate_id.encode(), value=e.to_json(), headers=headers(e)
                )
            )
        if inflight is not None:
            for future in inflight[1]:
                future.get(timeout=timeout)
            position.set(inflight[0])
            published += len(inflight[1])
        if not notifications:
            return published
        start = notifications[-1].id
        inflight = (start, futures)


def messages(store: MentoringStore, batch: int) -> list[Message]:
    out: list[Message] = []
    position = 0
    while True:
        notifications = store.recorder.select_notifications(
            start=position, limit=batch, inclusive_of_start=False
        )
        if not notifications:
            return out
        for n in notifications:
            e = store.envelope(n)
            out.append((e.aggregate_id.encode(), e.to_json(), headers(e)))
        position = notifications[-1].id


def run_relay(
    store: MentoringStore, coordinator: Any, bootstrap: str, topic: str, batch: int
) -> tuple[float, int]:
    bus = KafkaBus(bootstrap, topic)
    coordinator.set(0)
    relay = Relay(store, bus, coordinator, batch)
    started = time.perf_counter()
    if PIPELINED:
        published = pump_pipelined(store, bus, coordinator, batch)
    else:
        published = relay.pump()
    seconds = time.perf_counter() - started
    bus.close()
    return seconds, published


def run_raw(msgs: list[Message], bootstrap: str, topic: str, *, tuned: bool) -> tuple[float, int]:
    options: dict[str, Any] = {"acks": "all"}
    if tuned:  # exactly KafkaBus's producer settings
        options.update(
            enable_idempotence=True, linger_ms=5, batch_size=256 * 1024, compression_type=None
        )
    producer = KafkaProducer(bootstrap_servers=bootstrap, client_id="bench-raw", **options)
    started = time.perf_counter()
    futures = [producer.send(topic, key=k, value=v, headers=h) for k, v, h in msgs]
    producer.flush(timeout=60)
    for future in futures:
        future.get(timeout=60)
    seconds = time.perf_counter() - started
    producer.close(timeout=30)
    return seconds, len(futures)


def stages(store: MentoringStore, batch: int) -> dict[str, float]:
    """Seconds of the relay's own work up to the producer, stage by stage (no Kafka)."""
    out: dict[str, float] = {}
    for stage in ("read", "envelope", "serialise"):
        started = time.perf_counter()
        position = 0
        while True:
            notifications = store.recorder.select_notifications(
                start=position, limit=batch, inclusive_of_start=False
            )
            if not notifications:
                break
            if stage != "read":
                envelopes = [store.envelope(n) for n in notifications]
                if stage == "serialise":
                    for e in envelopes:
                        e.aggregate_id.encode(), e.to_json(), headers(e)
            position = notifications[-1].id
        out[stage] = time.perf_counter() - started
    return out


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=20_000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument(
        "--batch-size",
        type=int,
        default=Settings.model_fields["relay_batch_size"].default,
        help="relay batch (MENTORING_RELAY_BATCH_SIZE; default: the platform's)",
    )
    p.add_argument(
        "--experiment-pipelined",
        action="store_true",
        help="experiment: relay side keeps one batch in flight while reading and sending the next",
    )
    args = p.parse_args()
    global PIPELINED
    PIPELINED = args.experiment_pipelined

    server, bootstrap = common.service_urls()
    info = common.machine()
    topics: list[str] = []
    reps: list[dict[str, Any]] = []
    stage_runs: list[dict[str, float]] = []
    with common.fresh_database(server) as url:
        settings = common.settings_for(url, bootstrap)
        store = build_store(settings)
        events, gen_seconds = common.generate_events(store, args.events)
        common.log(f"generated {events:,} events in {gen_seconds:.1f} s")
        msgs = messages(store, args.batch_size)
        payload_bytes = sum(
            len(k) + len(v) + sum(len(x) + len(y) for x, y in h) for k, v, h in msgs
        )
        coordinator = coordinator_for(settings, store)
        coordinator.lead(threading.Event())
        sides = ["relay", "raw", "raw_defaults"]
        for r in range(args.repeat):
            order = sides[r % 3 :] + sides[: r % 3]
            rep: dict[str, Any] = {"order": order}
            for side in order:
                topic = common.new_topic_name("bench.relay")
                from services.kafka_bus import ensure_topic

                ensure_topic(bootstrap, topic, 6, 1)
                topics.append(topic)
                if side == "relay":
                    seconds, sent = run_relay(store, coordinator, bootstrap, topic, args.batch_size)
                else:
                    seconds, sent = run_raw(msgs, bootstrap, topic, tuned=side == "raw")
                assert sent == len(msgs), (side, sent, len(msgs))
                rep[side] = {"seconds": seconds, "per_second": sent / seconds}
            rep["ratio"] = rep["relay"]["per_second"] / rep["raw"]["per_second"]
            rep["ratio_vs_defaults"] = (
                rep["relay"]["per_second"] / rep["raw_defaults"]["per_second"]
            )
            reps.append(rep)
            common.log(
                f"rep {r + 1}: relay {rep['relay']['per_second']:,.0f}/s, raw "
                f"{rep['raw']['per_second']:,.0f}/s, raw defaults "
                f"{rep['raw_defaults']['per_second']:,.0f}/s, ratio {rep['ratio']:.2f}"
            )
        for _ in range(3):
            stage_runs.append(stages(store, args.batch_size))
        if args.profile:  # separate, unmeasured pass
            topic = common.new_topic_name("bench.relay")
            topics.append(topic)
            with common.profiled(args.profile):
                run_relay(store, coordinator, bootstrap, topic, args.batch_size)
        coordinator.close()
        store.close()
    common.delete_topics(bootstrap, topics)

    def med(side: str) -> float:
        return common.median([rep[side]["per_second"] for rep in reps])

    stage_med = {k: common.median([s[k] for s in stage_runs]) for k in stage_runs[0]}
    ratio = common.median([rep["ratio"] for rep in reps])
    results = {
        "benchmark": "relay",
        "machine": info,
        "events": len(msgs),
        "mean_message_bytes": payload_bytes / len(msgs),
        "generation_seconds": gen_seconds,
        "batch_size": args.batch_size,
        "experiment_pipelined": args.experiment_pipelined,
        "repetitions": args.repeat,
        "relay_per_second": med("relay"),
        "raw_per_second": med("raw"),
        "raw_defaults_per_second": med("raw_defaults"),
        "ratio_median": ratio,
        "ratio_vs_defaults_median": common.median([rep["ratio_vs_defaults"] for rep in reps]),
        "goal": f">= {GOAL}",
        "goal_met": ratio >= GOAL,
        "stage_seconds_no_kafka": stage_med,
        "runs": reps,
    }
    rows = [
        [
            "Relay.pump + KafkaBus",
            med("relay"),
            common.spread([r["relay"]["per_second"] for r in reps]),
        ],
        [
            "raw KafkaProducer, KafkaBus settings",
            med("raw"),
            common.spread([r["raw"]["per_second"] for r in reps]),
        ],
        [
            "raw KafkaProducer, defaults (acks=all)",
            med("raw_defaults"),
            common.spread([r["raw_defaults"]["per_second"] for r in reps]),
        ],
    ]
    text = common.table(
        f"relay store -> Kafka: {len(msgs):,} events (~{payload_bytes / len(msgs):.0f} B each), "
        f"batch {args.batch_size}"
        f"{', pipelined relay' if args.experiment_pipelined else ''}"
        ", "
        f"{args.repeat} repetitions (medians; {info['cores']} cores, "
        f"load {info['loadavg_1m_at_start']})",
        ["path", "events/s", "range"],
        rows,
    )
    n = len(msgs)
    text += (
        f"\nratio relay / raw: median {ratio:.2f} (per repetition: "
        + ", ".join(f"{rep['ratio']:.2f}" for rep in reps)
        + f"); vs raw defaults {results['ratio_vs_defaults_median']:.2f}; goal >= {GOAL}: "
        + ("met" if results["goal_met"] else "NOT met")
        + "\nrelay's own work without Kafka (median of 3): read "
        + f"{n / stage_med['read']:,.0f} ev/s; read+envelope {n / stage_med['envelope']:,.0f} ev/s; "
        + f"read+envelope+JSON/headers {n / stage_med['serialise']:,.0f} ev/s; "
        + "Python per event beyond reading (envelope, JSON, headers): "
        + f"{(stage_med['serialise'] - stage_med['read']) / n * 1e6:.1f} us"
        + f"\n(generation of the events, not measured: {gen_seconds:.1f} s)"
    )
    common.emit(args, results, text)


if __name__ == "__main__":
    main()
