"""The production path on real services: PostgreSQL event store, Kafka, PostgreSQL read models.

The relay and the projector run as the `mentoring` CLI in subprocesses, as in production,
so tests can kill them (SIGKILL) where a crash would hit.
"""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaConsumer, TopicPartition

from domain.cohort import Cohort
from domain.envelope import EventEnvelope
from domain.group import form_group
from domain.people import Mentee, Mentor
from domain.pin import Pin
from domain.values import EnglishLevel
from services.settings import Settings
from services.store import MentoringStore, build_store
from tests.conftest import fresh_database, require_service

ROOT = Path(__file__).resolve().parents[2]
READ_MODEL_TABLES = (
    "pins",
    "cohorts",
    "mentors",
    "mentees",
    "trainings",
    "outcomes",
    "mentoring_groups",
    "group_members",
    "group_sessions",
    "attendance",
    "shared_activities",
    "activity_registrations",
)


class Lines:
    """What a process writes to one stream, read line by line as it comes (the pipe never fills)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._lines: list[str] = []
        self._ended = False
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            with self._changed:
                self._lines.append(raw.decode(errors="replace").rstrip())
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> str:
        """The first line holding ``text``; fails after ``timeout`` or when the stream ends."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((line for line in self._lines if text in line), None)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._ended:
                    why = "the stream ended" if self._ended else f"none within {timeout} s"
                    pytest.fail(f"no line with {text!r} ({why}); it wrote:\n{self.text()[-3000:]}")
                self._changed.wait(remaining)

    def text(self) -> str:
        return "\n".join(self._lines)

    def join(self, timeout: float) -> None:
        self._reader.join(timeout)


def production_secrets() -> dict[str, str]:
    """Every secret a production process needs, freshly generated: none is a default."""
    audit_key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return {
        "MENTORING_ENVIRONMENT": "production",
        "MENTORING_JWT_SECRET": base64.urlsafe_b64encode(os.urandom(48)).decode(),
        "MENTORING_KEY_ENCRYPTION_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "MENTORING_AUDIT_SIGNING_KEY": audit_key.decode(),
    }


@dataclass
class ProductionPath:
    """One isolated production setup: a fresh database, topic and consumer group."""

    database_url: str
    bootstrap_servers: str
    topic: str
    group: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    stderr: dict[int, Lines] = field(default_factory=dict)
    """What each started process (by pid) writes to stderr, where it logs."""

    @property
    def settings(self) -> Settings:
        return Settings(
            database_url=self.database_url,
            kafka_bootstrap_servers=self.bootstrap_servers,
            kafka_topic=self.topic,
            kafka_topic_partitions=3,
            kafka_consumer_group=self.group,
            consistency_timeout=5,
        )

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORING_")}
        env.update(
            MENTORING_DATABASE_URL=self.database_url,
            MENTORING_KAFKA_BOOTSTRAP_SERVERS=self.bootstrap_servers,
            MENTORING_KAFKA_TOPIC=self.topic,
            MENTORING_KAFKA_TOPIC_PARTITIONS="3",
            MENTORING_KAFKA_CONSUMER_GROUP=self.group,
            MENTORING_METRICS_PORT=str(_free_port()),
        )
        env.update(extra)
        return env

    def start(self, *command: str, **env: str) -> subprocess.Popen[bytes]:
        """Start ``mentoring COMMAND`` in the background."""
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", *command],
            cwd=ROOT,
            env=self.env(**env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.processes.append(process)
        assert process.stderr is not None
        self.stderr[process.pid] = Lines(process.stderr)
        return process

    def wait_for_line(
        self, process: subprocess.Popen[bytes], text: str, timeout: float = 60
    ) -> str:
        """Wait until ``process`` logs a line holding ``text`` (e.g. "... ready")."""
        return self.stderr[process.pid].wait_for(text, timeout)

    def run(
        self, *command: str, timeout: float = 120, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run ``mentoring COMMAND`` to completion."""
        return subprocess.run(
            [sys.executable, "-m", "gateway.cli", *command],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def sql(self, query: str, *params: object) -> list[tuple[object, ...]]:
        with psycopg.connect(self.database_url) as conn:
            return list(conn.execute(query, params).fetchall())

    def scalar(self, query: str, *params: object) -> object:
        return self.sql(query, *params)[0][0]

    def relay_position(self) -> int:
        rows = (
            self.sql("SELECT position FROM relay_position WHERE name = 'kafka'")
            if self.sql("SELECT to_regclass('public.relay_position')")[0][0]
            else []
        )
        return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]

    def projected_position(self) -> int:
        if not self.sql("SELECT to_regclass('readmodels.projection_tracking')")[0][0]:
            return 0
        value = self.scalar("SELECT coalesce(max(position), 0) FROM readmodels.projection_tracking")
        return int(value)  # type: ignore[call-overload]

    def read_topic(self) -> list[EventEnvelope]:
        """Every message on the topic, read by a plain consumer (no group)."""
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap_servers, enable_auto_commit=False)
        partitions = [
            TopicPartition(self.topic, p) for p in consumer.partitions_for_topic(self.topic) or ()
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        messages: list[EventEnvelope] = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, "could not read the topic to its end"
            for records in consumer.poll(timeout_ms=500).values():
                messages.extend(EventEnvelope.from_json(r.value) for r in records)
        consumer.close()
        return messages

    def digest(self) -> str:
        """A digest of every read-model row, in a stable order."""
        hasher = hashlib.sha256()
        for table in READ_MODEL_TABLES:
            rows = self.sql(f"SELECT * FROM readmodels.{table} ORDER BY 1, 2, 3")
            hasher.update(f"{table}:{len(rows)}:{sorted(map(repr, rows))}".encode())
        return hasher.hexdigest()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def production() -> Iterator[ProductionPath]:
    server = require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")
    bootstrap = require_service("MENTORING_TEST_KAFKA_BOOTSTRAP_SERVERS", "Kafka")
    with fresh_database(server) as url:
        path = ProductionPath(
            database_url=url,
            bootstrap_servers=bootstrap,
            topic=f"test.events.{uuid.uuid4().hex[:10]}",
            group=f"test-projections-{uuid.uuid4().hex[:10]}",
        )
        yield path
        for process in path.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            path.stderr[process.pid].join(timeout=10)
            if process.stderr:
                process.stderr.close()


@pytest.fixture
def store(production: ProductionPath) -> Iterator[MentoringStore]:
    built = build_store(production.settings)
    yield built
    built.close()


def seed_groups(store: MentoringStore, groups: int, slug: str = "arec") -> int:
    """Store ``groups`` full groups (a mentor, six mentees) in one cohort; return the head.

    27 events per group: enough to publish thousands of events in a few seconds.
    """
    pin = Pin.register(slug, slug.upper(), ["Romanian"], ["Engineering"])
    cohort = Cohort.plan(pin.id, "Load", date(2024, 1, 1), date(2024, 12, 31))
    store.save(pin)
    for number in range(groups):
        mentor = Mentor.enrol(
            pin.id, f"Mentor {number}", None, "Engineering", ["Romanian"], "Romanian"
        )
        group = form_group(cohort, mentor, f"Group {number}")
        mentees = [
            Mentee.enrol(
                pin.id,
                f"Mentee {number}.{i}",
                None,
                "Engineering",
                "Romania",
                ["Romanian"],
                EnglishLevel.INTERMEDIATE,
                None,
                date(2024, 1, 1),
            )
            for i in range(6)
        ]
        for mentee in mentees:
            group.add_mentee(cohort, mentee)
        store.save(mentor, group, *mentees)
    store.save(cohort)
    return store.recorder.max_notification_id() or 0


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)
