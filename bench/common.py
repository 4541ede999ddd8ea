"""Shared helpers of the benchmarks: services, a fresh database and topic, timing, output.

Every benchmark script imports this module (``bench/`` is on ``sys.path`` when a script in it
runs). Nothing here changes the platform's code; it only drives it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from eventsourcing.domain import Aggregate

from domain.base import CommandMetadata, acting_as
from domain.cohort import Cohort
from domain.group import form_group
from domain.people import Mentee, Mentor
from domain.pin import Pin, pin_id_for
from domain.values import EnglishLevel, OutcomeKind
from services.context import Role, TenantContext
from services.settings import Settings

REPO = Path(__file__).resolve().parent.parent
ADMIN = TenantContext(tenant_id=uuid.UUID(int=0), role=Role.ADMIN, actor="bench-admin")
SLUGS = ("arec", "iccc", "cniea", "afca", "chc")


# --------------------------------------------------------------------------- services


def service_urls() -> tuple[str, str]:
    """(PostgreSQL server URL, Kafka bootstrap servers): from the environment, else ``up``.

    ``deploy/local/up`` is idempotent; it honours ``MENTORING_LOCAL_DIR`` if set, so a
    benchmark can use services of its own that nobody else's ``down`` stops.
    """
    db = os.environ.get("MENTORING_DATABASE_URL")
    kafka = os.environ.get("MENTORING_KAFKA_BOOTSTRAP_SERVERS")
    if db and kafka:
        return db, kafka
    out = subprocess.run(
        [str(REPO / "deploy/local/up")], check=True, capture_output=True, text=True
    ).stdout
    found = dict(re.findall(r"export (\w+)=(\S+)", out))
    return found["MENTORING_DATABASE_URL"], found["MENTORING_KAFKA_BOOTSTRAP_SERVERS"]


def _admin_url(server_url: str) -> str:
    return urlsplit(server_url)._replace(path="/postgres").geturl()


@contextlib.contextmanager
def fresh_database(server_url: str, prefix: str = "bench") -> Iterator[str]:
    """A new empty database on the server of ``server_url``; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin_url(server_url), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(_admin_url(server_url), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def new_topic_name(prefix: str = "bench") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}"


@contextlib.contextmanager
def fresh_topic(bootstrap: str, partitions: int = 6, prefix: str = "bench") -> Iterator[str]:
    """A new topic (created now, with ``partitions``); deleted afterwards."""
    from services.kafka_bus import ensure_topic

    name = new_topic_name(prefix)
    ensure_topic(bootstrap, name, partitions, 1)
    try:
        yield name
    finally:
        delete_topics(bootstrap, [name])


def delete_topics(bootstrap: str, names: Sequence[str]) -> None:
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-admin")
    try:
        admin.delete_topics(list(names))
    except Exception as error:  # a leftover topic is harmless; say so and go on
        print(f"(could not delete topics {names}: {error!r})", file=sys.stderr)
    finally:
        admin.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def settings_for(db_url: str, bootstrap: str | None = None, **overrides: Any) -> Settings:
    return Settings(database_url=db_url, kafka_bootstrap_servers=bootstrap, **overrides)


# --------------------------------------------------------------------------- statistics


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), nearest-rank on the sorted values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return float(ordered[rank - 1])


def spread(values: Sequence[float]) -> str:
    """min-max of the repetitions, for the table."""
    return f"{min(values):,.0f}-{max(values):,.0f}"


@dataclass
class Stopwatch:
    started: float = field(default_factory=time.perf_counter)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


# --------------------------------------------------------------------------- the machine


def machine() -> dict[str, Any]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()
    import kafka.record.util as kafka_record_util

    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "loadavg_1m_at_start": round(load[0], 2),
        "kafka_crc32c": "C (crc32c package)"
        if type(kafka_record_util._crc32c).__name__ == "builtin_function_or_method"
        else "pure Python (kafka/record/_crc32c.py)",
        "code": code_state(),
        "note": "2 shared, noisy cores; PostgreSQL (fsync=off, synchronous_commit=off) and "
        "Kafka run on the same machine (deploy/local/up)",
    }


def code_state() -> dict[str, Any]:
    """The commit measured, and the platform files others had changed in the work tree."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()

    changed = git("status", "--porcelain", "--", "domain", "services", "projections", "gateway")
    import projections

    source = Path(projections.__file__).resolve().parent.parent
    if source != REPO:  # PYTHONPATH points at a snapshot (e.g. `git archive COMMIT | tar -x`)
        return {"imported_from": str(source), "repo_head": git("rev-parse", "--short", "HEAD")}
    return {
        "head": git("rev-parse", "--short", "HEAD"),
        "changed_in_work_tree": [line[3:] for line in changed.splitlines()],
    }


# --------------------------------------------------------------------------- the platform


def supported(func: Callable[..., Any], **candidates: Any) -> dict[str, Any]:
    """The keyword arguments among ``candidates`` that ``func`` accepts (and that are set):
    the platform changes while the benchmarks stay usable on older and newer versions."""
    import inspect

    parameters = inspect.signature(func).parameters
    return {k: v for k, v in candidates.items() if k in parameters and v is not None}


def personal_opener(store: Any) -> Any:
    """What opens personal data for the projections, where the store encrypts it (else None)."""
    cipher = getattr(store, "personal_data", None)
    return getattr(cipher, "text", None)


def tenant_views(db: Any, store: Any = None) -> Any:
    """``TenantViews`` as the projector process builds it (whatever its signature is now)."""
    from projections.tenant_views import TenantViews

    extra = supported(TenantViews.__init__, in_process=False, personal=personal_opener(store))
    return TenantViews(db, **extra)


def kafka_projector(views: Any, settings: Settings, bootstrap: str, topic: str, group: str) -> Any:
    """``KafkaProjector`` as ``mentoring project`` builds it (whatever its signature is now)."""
    import inspect

    from projections.kafka_projector import KafkaProjector

    extra: dict[str, Any] = {}
    if "relay_position" in inspect.signature(KafkaProjector.__init__).parameters:
        from services import relay_coordination

        published_position = relay_coordination.published_position

        extra["relay_position"] = published_position(settings)
    return KafkaProjector(views, bootstrap_servers=bootstrap, topic=topic, group_id=group, **extra)


# --------------------------------------------------------------------------- output


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--save", metavar="FILE", help="also write the JSON results to FILE")
    p.add_argument(
        "--profile",
        metavar="FILE",
        help="profile the measured code of the platform (pyinstrument text, else cProfile) "
        "into FILE",
    )
    return p


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:,.2f}"
        return f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def emit(args: argparse.Namespace, results: dict[str, Any], text: str) -> None:
    if args.save:
        Path(args.save).write_text(json.dumps(results, indent=2, default=str) + "\n")
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        print(text)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- profiling


@contextlib.contextmanager
def profiled(path: str | None) -> Iterator[None]:
    """Profile the block into ``path`` (no-op without a path).

    Uses pyinstrument if importable (also from /tmp/bench-tools, where
    ``pip install --target /tmp/bench-tools pyinstrument`` puts it without touching .venv),
    else cProfile sorted by cumulative time.
    """
    if not path:
        yield
        return
    if "/tmp/bench-tools" not in sys.path and Path("/tmp/bench-tools").is_dir():
        sys.path.append("/tmp/bench-tools")
    try:
        profiler_class: Any = importlib.import_module("pyinstrument").Profiler
    except ImportError:
        profiler_class = None
    if profiler_class is not None:
        profiler = profiler_class(interval=0.0005)
        profiler.start()
        try:
            yield
        finally:
            profiler.stop()
            Path(path).write_text(profiler.output_text(unicode=False, color=False, show_all=False))
            log(f"pyinstrument profile written to {path}")
        return
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(60)
        Path(path).write_text(out.getvalue())
        log(f"cProfile written to {path}")


# --------------------------------------------------------------------------- the programme


def coordinator(slug: str) -> TenantContext:
    return TenantContext(
        tenant_id=pin_id_for(slug), role=Role.COORDINATOR, actor=f"{slug}-coordinator"
    )


def register_pins(store: Any, slugs: Sequence[str] = SLUGS) -> list[TenantContext]:
    """Register the PINs through the use case; their coordinators' contexts."""
    from services import commands as c
    from services import use_cases as uc

    for slug in slugs:
        uc.register_pin(
            store, c.RegisterPin(slug, slug.upper(), ["Romanian"], ["Engineering"]), ADMIN
        )
    return [coordinator(slug) for slug in slugs]


def pin_aggregates(slugs: Sequence[str] = SLUGS) -> list[Aggregate]:
    return [Pin.register(s, s.upper(), ["Romanian"], ["Engineering"]) for s in slugs]


GROUPS_PER_COHORT = 4
MENTEES_PER_GROUP = 6
SESSIONS = 5


def programme_unit(tenant_id: uuid.UUID, n: int) -> list[Aggregate]:
    """One round of a PIN built with the domain: a running cohort, 4 groups of 6 mentees,
    5 sessions held with attendance, outcomes for half the mentees (~285 events, 57
    aggregates), every event still pending."""
    cohort = Cohort.plan(tenant_id, f"Round {n}", date(2024, 1, 8), date(2024, 4, 30))
    cohort.start()
    aggregates: list[Aggregate] = [cohort]
    for g in range(GROUPS_PER_COHORT):
        mentor = Mentor.enrol(
            tenant_id,
            name=f"Mentor {n}-{g}",
            email=f"mentor{n}-{g}@example.org",
            profession="Engineering",
            languages=["Romanian", "English"],
            cultural_background="Romanian",
        )
        group = form_group(cohort, mentor, f"Group {n}-{g}")
        mentees = []
        for m in range(MENTEES_PER_GROUP):
            mentee = Mentee.enrol(
                tenant_id,
                name=f"Newcomer {n}-{g}-{m}",
                email=f"newcomer{n}-{g}-{m}@example.org",
                profession="Engineering",
                origin="Romania",
                languages=["Romanian", "English"],
                english_level=EnglishLevel.INTERMEDIATE,
                goals="Work as a licensed engineer",
                enrolled_on=date(2024, 1, 2),
            )
            group.add_mentee(cohort, mentee)
            mentees.append(mentee)
        for s in range(SESSIONS):
            group.schedule_session(cohort, date(2024, 1, 15) + timedelta(weeks=3 * s), "Agenda")
            group.record_session_held(cohort, s + 1, date(2025, 1, 1))
            for i, mentee in enumerate(mentees):
                group.record_attendance(cohort, s + 1, mentee.id, (i + s) % 5 != 0)
        for mentee in mentees[::2]:
            mentee.record_outcome(OutcomeKind.JOB_IN_FIELD, date(2024, 6, 1), "Offer letter")
        aggregates += [mentor, group, *mentees]
    return aggregates


def pending_events(aggregates: Sequence[Aggregate]) -> int:
    return sum(len(a.pending_events) for a in aggregates)


def generate_events(
    store: Any,
    events: int,
    *,
    per_call: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, float]:
    """Store at least ``events`` programme events fast: PINs, then programme units saved
    ``per_call`` aggregates per ``store.save`` call. Returns (events stored, seconds)."""
    watch = Stopwatch()
    tenants = [pin_id_for(s) for s in SLUGS]
    with acting_as(CommandMetadata(actor="bench-generator", correlation_id="")):
        pins = pin_aggregates()
        stored = pending_events(pins)
        store.save(*pins)
        batch: list[Aggregate] = []
        n = 0
        while stored < events:
            unit = programme_unit(tenants[n % len(tenants)], n)
            n += 1
            stored += pending_events(unit)
            batch += unit
            if len(batch) >= per_call or stored >= events:
                store.save(*batch)
                batch = []
                if progress:
                    progress(stored)
        if batch:
            store.save(*batch)
    return stored, watch.elapsed()
