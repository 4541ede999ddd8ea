"""A person whose every personal field is unique, and byte-wise searches for them everywhere.

``where_found`` looks for the person's name, e-mail, goals and outcome evidence in the raw
bytes of every place the platform keeps data: the SQLite files (events and read models, with
their write-ahead logs), or a ``pg_dump`` of the whole PostgreSQL database (bytea columns are
dumped as hex, so the hex of each needle is searched too).
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest
from kafka import KafkaConsumer, TopicPartition

from domain.values import EnglishLevel, OutcomeKind
from gateway.bootstrap import Platform
from services import commands as c
from services import use_cases as uc
from services.context import TenantContext
from services.settings import Settings
from services.store import MentoringStore
from tests.services.conftest import ADMIN, coordinator


@dataclass(frozen=True)
class Subject:
    """The personal data of one person, each field unique to them."""

    name: str
    email: str
    goals: str
    evidence: str

    @classmethod
    def unique(cls) -> Subject:
        token = uuid.uuid4().hex[:12]
        return cls(
            name=f"Zamfira Quillon-{token}",
            email=f"zamfira.{token}@example.org",
            goals=f"Become a structural engineer in Ontario ({token}-goals)",
            evidence=f"Offer letter from Quillon Structures ({token}-evidence)",
        )

    @property
    def needles(self) -> dict[str, bytes]:
        return {
            "name": self.name.encode(),
            "email": self.email.encode(),
            "goals": self.goals.encode(),
            "evidence": self.evidence.encode(),
        }


def found_in(blob: bytes, subject: Subject, *, hex_too: bool = False) -> list[str]:
    """Which of the subject's fields occur in ``blob`` (also hex-encoded, when asked)."""
    lowered = blob.lower() if hex_too else blob
    return sorted(
        field
        for field, needle in subject.needles.items()
        if needle in blob or (hex_too and needle.hex().encode() in lowered)
    )


def pg_dump(url: str, *schemas: str) -> bytes:
    """A plain-text dump of the database (or of ``schemas``), as bytes."""
    binary = shutil.which("pg_dump")
    assert binary, "pg_dump is needed to search the PostgreSQL database byte-wise"
    options = [f"--schema={schema}" for schema in schemas]
    return subprocess.run(
        [binary, "--no-owner", *options, url], capture_output=True, check=True, timeout=120
    ).stdout


def where_found(settings: Settings, subject: Subject) -> dict[str, list[str]]:
    """Every stored place (file, or the database dump) that holds any of the subject's data."""
    if settings.uses_postgres:
        hits = found_in(pg_dump(settings.database_url), subject, hex_too=True)
        return {"pg_dump": hits} if hits else {}
    folder = settings.event_store_path.parent
    places = {}
    for path in sorted(folder.iterdir()):
        if path.is_file():
            hits = found_in(path.read_bytes(), subject)
            if hits:
                places[path.name] = hits
    return places


def event_store_hits(settings: Settings, subject: Subject) -> list[str]:
    """The subject's data in the event store alone (never there, not even before erasure)."""
    if settings.uses_postgres:
        return found_in(pg_dump(settings.database_url, "public"), subject, hex_too=True)
    folder = settings.event_store_path.parent
    blob = b"".join(path.read_bytes() for path in folder.glob(f"{settings.event_store_path.name}*"))
    return found_in(blob, subject)


@dataclass
class Enrolled:
    """The unique mentee, in a group of their own cohort, with a training and an outcome."""

    subject: Subject
    ctx: TenantContext
    mentee_id: UUID
    mentor_id: UUID
    cohort_id: UUID
    group_id: UUID


def enrol_unique_mentee(store: MentoringStore, slug: str = "arec") -> Enrolled:
    """Enrol the unique mentee in ``slug`` (registered if needed) and give them a history."""
    uc.register_pin(store, c.RegisterPin(slug, slug.upper(), ["Romanian"], ["Engineering"]), ADMIN)
    ctx = coordinator(slug)
    subject = Subject.unique()
    mentee = uc.enrol_mentee(
        store,
        c.EnrolMentee(
            subject.name,
            "Engineering",
            "Romania",
            ["Romanian", "English"],
            EnglishLevel.INTERMEDIATE,
            date(2026, 1, 5),
            email=subject.email,
            goals=subject.goals,
        ),
        ctx,
    )
    mentor = uc.enrol_mentor(
        store, c.EnrolMentor("Privacy Mentor", "Engineering", ["Romanian"], "Romanian"), ctx
    )
    cohort = uc.plan_cohort(
        store, c.PlanCohort("Privacy round", date(2026, 1, 12), date(2026, 4, 30)), ctx
    )
    group = uc.form_group_in_cohort(store, c.FormGroup(cohort.id, mentor.id, "Privacy"), ctx)
    uc.add_mentee_to_group(store, c.AddMenteeToGroup(group.id, mentee.id), ctx)
    uc.start_cohort(store, c.StartCohort(cohort.id), ctx)
    uc.schedule_session(store, c.ScheduleSession(group.id, date(2026, 1, 19), "Welcome"), ctx)
    uc.record_session_held(store, c.RecordSessionHeld(group.id, 1), ctx)
    uc.record_attendance(store, c.RecordAttendance(group.id, 1, present=[mentee.id]), ctx)
    uc.record_training(
        store, c.RecordTraining(mentee.id, "Canadian workplace", date(2026, 2, 2)), ctx
    )
    uc.record_outcome(
        store,
        c.RecordOutcome(mentee.id, OutcomeKind.JOB_IN_FIELD, date(2026, 3, 2), subject.evidence),
        ctx,
    )
    return Enrolled(subject, ctx, mentee.id, mentor.id, cohort.id, group.id)


def caught_up(platform: Platform) -> int:
    position = platform.store.recorder.max_notification_id() or 0
    assert platform.catch_up(position)
    return position


def read_topic_raw(bootstrap: str, topic: str) -> list[bytes]:
    """Every message on ``topic`` as the broker holds it (key, headers and value bytes)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    ends = consumer.end_offsets(partitions)
    messages: list[bytes] = []
    deadline = time.monotonic() + 30
    while any(consumer.position(tp) < ends[tp] for tp in partitions):
        assert time.monotonic() < deadline, "could not read the topic to its end"
        for records in consumer.poll(timeout_ms=500).values():
            for r in records:
                headers = b"".join(k.encode() + v for k, v in r.headers or [])
                messages.append((r.key or b"") + headers + (r.value or b""))
    consumer.close()
    return messages


@pytest.fixture
def enrolled(platform: Platform) -> Enrolled:
    person = enrol_unique_mentee(platform.store)
    caught_up(platform)
    return person
