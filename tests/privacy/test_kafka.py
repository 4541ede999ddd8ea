"""The production path: Kafka carries ciphertext and ids only; the projector opens what it needs.

The relay and the projector run as `mentoring relay --drain` and `mentoring project --drain`
in subprocesses on a fresh database and topic; the topic is read raw (keys, headers, values).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from domain.privacy import ERASED
from services.privacy.use_cases import ErasePerson, erase_mentee
from services.settings import Settings
from services.store import build_store
from tests.conftest import fresh_database, require_service
from tests.privacy.conftest import enrol_unique_mentee, found_in, pg_dump, read_topic_raw

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class KafkaPath:
    settings: Settings
    topic: str
    group: str

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORING_")}
        env.update(
            MENTORING_DATABASE_URL=self.settings.database_url,
            MENTORING_KAFKA_BOOTSTRAP_SERVERS=str(self.settings.kafka_bootstrap_servers),
            MENTORING_KAFKA_TOPIC=self.topic,
            MENTORING_KAFKA_TOPIC_PARTITIONS="3",
            MENTORING_KAFKA_CONSUMER_GROUP=self.group,
        )
        done = subprocess.run(
            [sys.executable, "-m", "gateway.cli", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done

    def names(self) -> list[str]:
        with psycopg.connect(self.settings.database_url) as conn:
            rows = conn.execute("SELECT name FROM readmodels.mentees ORDER BY seq").fetchall()
        return [str(name) for (name,) in rows]


@pytest.fixture
def kafka_path() -> Iterator[KafkaPath]:
    server = require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")
    bootstrap = require_service("MENTORING_TEST_KAFKA_BOOTSTRAP_SERVERS", "Kafka")
    with fresh_database(server) as url:
        settings = Settings(database_url=url, kafka_bootstrap_servers=bootstrap)
        yield KafkaPath(
            settings,
            topic=f"test.privacy.{uuid.uuid4().hex[:10]}",
            group=f"test-privacy-{uuid.uuid4().hex[:10]}",
        )


def test_kafka_carries_no_personal_data_before_or_after_an_erasure(
    kafka_path: KafkaPath,
) -> None:
    settings = kafka_path.settings
    store = build_store(settings)
    try:
        person = enrol_unique_mentee(store, "arec")
        kafka_path.run("relay", "--drain")
        kafka_path.run("project", "--drain")

        messages = read_topic_raw(str(settings.kafka_bootstrap_servers), kafka_path.topic)
        # The projector opened the sealed fields with the key store: the read model has them.
        assert person.subject.name in kafka_path.names()
        assert messages
        assert [m for m in messages if found_in(m, person.subject)] == []
        enrolment = next(
            json.loads(m[m.index(b"{") :]) for m in messages if b"Mentee.Enrolled" in m
        )
        assert set(enrolment["payload"]["name"]) == {"subject_id", "ciphertext"}
        assert enrolment["payload"]["profession"] == "Engineering"

        erase_mentee(store, ErasePerson(person.mentee_id), person.ctx)
        kafka_path.run("relay", "--drain")
        kafka_path.run("project", "--drain")
    finally:
        store.close()

    messages = read_topic_raw(str(settings.kafka_bootstrap_servers), kafka_path.topic)
    assert any(b"Person.Erased" in m for m in messages)
    assert [m for m in messages if found_in(m, person.subject)] == []
    assert ERASED in kafka_path.names()
    assert person.subject.name not in kafka_path.names()
    assert found_in(pg_dump(settings.database_url), person.subject, hex_too=True) == []
