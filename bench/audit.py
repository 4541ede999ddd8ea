"""Audit trail: leaves appended per second by the audit projection, and proof generation time.

Setup (not measured, reported apart): ``--events`` stored events (default 1,000,000) are
written straight into the event store's table (SQLite file, or ``--backend postgres``):
realistic ``Mentee.Enrolled`` states of ~450 bytes for five PINs, in the store's own JSON
transcoding, so the projection reads, decodes (tenant id) and hashes what it would in
production.

Measured, in one run:

* append: ``AuditTrail.pump()`` from an empty audit log to the head (read the notification
  log in store order -> tenant id -> leaf hash -> global and per-PIN frontier -> insert
  leaves and completed nodes -> move the tracking row, one transaction per batch). Reported:
  leaves/s over the whole run and the median of the per-batch rates;
* read only: ``records_after`` over the whole log (what reading the store costs);
* baseline: raw ``hashlib.sha256`` of the same leaf bytes, and the same hashing plus the
  in-memory global frontier (what the Merkle math costs without any database);
* proofs at the head: ``--proofs`` (default 200) inclusion proofs of random leaves and
  consistency proofs from random earlier sizes, each read from the stored nodes (one
  transaction) and verified; median and 95th percentile of generation, median verification;
  baseline: the same proofs from an in-memory tree of all nodes.

    .venv/bin/python bench/audit.py --events 1000000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from domain.audit.merkle import Frontier, MemoryTree, verify_consistency, verify_inclusion
from domain.audit.records import GLOBAL_TREE
from domain.pin import pin_id_for
from gateway.audit.trail import AuditTrail
from gateway.bootstrap import audit_trail
from services.audit.records import records_after
from services.settings import Settings
from services.store import MentoringStore, build_store

import common

TOPIC = "domain.people:Mentee.Enrolled"


def states(store: MentoringStore, count: int) -> list[tuple[str, int, str, bytes]]:
    """Rows of the events table: (originator id, version, topic, state)."""
    tenants = [pin_id_for(slug) for slug in common.SLUGS]
    template = store.mapper.transcoder.encode(
        {
            "timestamp": "2026-01-12T10:00:00+00:00",
            "originator_topic": "domain.people:Mentee",
            "tenant_id": uuid.UUID(int=0),
            "actor": "bench",
            "correlation_id": "bench/audit",
            "name": {"subject_id": "0" * 32, "value": "Ioana Marin"},
            "email": {"subject_id": "0" * 32, "value": "ioana.marin@arec.example.org"},
            "profession": "Engineering",
            "origin": "Romania",
            "languages": ["Romanian", "English"],
            "english_level": "intermediate",
            "goals": {"subject_id": "0" * 32, "value": "Find work in engineering in Ontario."},
            "enrolled_on": "2026-01-12",
        }
    )
    placeholder = uuid.UUID(int=0).hex.encode()
    rows = []
    for i in range(count):
        tenant = tenants[i % len(tenants)]
        state = template.replace(placeholder, tenant.hex.encode(), 1).replace(
            b'"0000', f'"{i:04d}'.encode()[:5], 3
        )
        rows.append((str(uuid.uuid4()), 1, TOPIC, state))
    return rows


def fill_sqlite(settings: Settings, count: int) -> None:
    store = build_store(settings)
    rows = states(store, count)
    store.close()
    with sqlite3.connect(settings.event_store_path) as conn:
        conn.executemany(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?)",
            rows,
        )


def fill_postgres(settings: Settings, count: int) -> None:
    store = build_store(settings)
    rows = states(store, count)
    table = str(store.recorder.events_table_name)  # type: ignore[attr-defined]
    store.close()
    with (
        psycopg.connect(settings.database_url) as conn,
        conn.cursor() as cursor,
        cursor.copy(
            f"COPY {table} (originator_id, originator_version, topic, state) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def timed(work: object) -> float:
    started = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(settings: Settings, events: int, proofs: int, generate: float) -> dict[str, object]:
    with audit_trail(settings) as trail:
        return measure(trail, events, proofs, generate)


def measure(trail: AuditTrail, events: int, proofs: int, generate: float) -> dict[str, object]:
    settings, store = trail.settings, trail.store
    results: dict[str, object] = {"events": events, "generate_s": round(generate, 1)}

    # Read only: the store's notification log with tenant ids, as the projection reads it.
    leaves: list[bytes] = []

    def read_all() -> None:
        position = 0
        while batch := records_after(store, position, settings.projection_batch_size):
            leaves.extend(r.leaf_bytes() for r in batch)
            position = batch[-1].position

    read_s = timed(read_all)
    results["read_events_per_s"] = round(events / read_s)

    # Baselines: raw SHA-256 of the same leaf bytes; the same with the in-memory frontier.
    sha_s = timed(lambda: [hashlib.sha256(b"\x00" + leaf).digest() for leaf in leaves])
    frontier = Frontier()
    math_s = timed(lambda: [frontier.append(hashlib.sha256(b"\x00" + x).digest()) for x in leaves])
    results["baseline_sha256_leaves_per_s"] = round(events / sha_s)
    results["baseline_sha256_and_frontier_leaves_per_s"] = round(events / math_s)

    # The audit projection, batch by batch, from an empty log to the head.
    batch_rates: list[float] = []
    log = trail.log

    def append_all() -> None:
        while True:
            start = log.position()
            batch = records_after(store, start, settings.projection_batch_size)
            if not batch:
                return
            began = time.perf_counter()
            log.append(batch, after=start)
            batch_rates.append(len(batch) / (time.perf_counter() - began))

    append_s = timed(append_all)
    head = log.head()
    assert head.size == events, "the trees disagree"
    assert head.root == frontier.root(), "the trees disagree"
    results["append_leaves_per_s"] = round(events / append_s)
    results["append_s"] = round(append_s, 1)
    results["append_median_batch_leaves_per_s"] = round(statistics.median(batch_rates))
    results["append_batch_size"] = settings.projection_batch_size

    # Proofs at the head, from the stored nodes; baseline: an in-memory tree.
    rng = random.Random(6962)
    memory = MemoryTree(hashlib.sha256(b"\x00" + leaf).digest() for leaf in leaves)
    inclusion_ms, consistency_ms, verify_ms, memory_ms = [], [], [], []
    for _ in range(proofs):
        index, old = rng.randrange(events), rng.randrange(1, events)
        began = time.perf_counter()
        path = log.inclusion_proof(GLOBAL_TREE, index, events)
        inclusion_ms.append(1000 * (time.perf_counter() - began))
        began = time.perf_counter()
        old_root = log.root_at(GLOBAL_TREE, old)
        consistency = log.consistency_proof(GLOBAL_TREE, old, events)
        consistency_ms.append(1000 * (time.perf_counter() - began))
        began = time.perf_counter()
        assert verify_inclusion(index, events, memory.nodes[0, index], path, head.root)
        assert verify_consistency(old, events, old_root, head.root, consistency)
        verify_ms.append(1000 * (time.perf_counter() - began))
        began = time.perf_counter()
        memory.inclusion_proof(index)
        memory.consistency_proof(old)
        memory_ms.append(1000 * (time.perf_counter() - began))
    results.update(
        inclusion_proof_ms_median=round(statistics.median(inclusion_ms), 2),
        inclusion_proof_ms_p95=round(percentile(inclusion_ms, 0.95), 2),
        consistency_proof_ms_median=round(statistics.median(consistency_ms), 2),
        consistency_proof_ms_p95=round(percentile(consistency_ms, 0.95), 2),
        verify_both_ms_median=round(statistics.median(verify_ms), 3),
        baseline_memory_both_proofs_ms_median=round(statistics.median(memory_ms), 3),
        proof_samples=proofs,
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=200)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(database_url=f"sqlite:///{Path(folder) / 'events.db'}")
            generate = timed(lambda: fill_sqlite(settings, args.events))
            result = run(settings, args.events, args.proofs, generate)
    else:
        server, _ = common.service_urls()
        with common.fresh_database(server, "bench_audit") as url:
            settings = Settings(database_url=url)
            generate = timed(lambda: fill_postgres(settings, args.events))
            result = run(settings, args.events, args.proofs, generate)
    print(json.dumps({"backend": args.backend, **result}, indent=2))


if __name__ == "__main__":
    main()
