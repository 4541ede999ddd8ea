"""Per-person keys: ciphertext at rest, a clear error without the right key, no re-keying."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from datetime import date
from pathlib import Path

import psycopg
import pytest

from domain.people import Mentee
from domain.pin import pin_id_for
from domain.privacy import ERASED, PersonErased
from domain.values import EnglishLevel, OutcomeKind
from gateway.bootstrap import Platform
from projections.database import open_read_models
from projections.tenant_views import PoisonEvent, TenantViews
from services import commands as c
from services import use_cases as uc
from services.privacy.key_encryption_keys import (
    KeyConfigurationError,
    key_encryption_keys,
    parse_key_encryption_keys,
)
from services.privacy.person_keys import KeyUnavailable
from services.privacy.use_cases import ErasePerson, erase_mentee
from services.settings import Settings
from services.store import MentoringStore, build_store
from tests.privacy.conftest import Enrolled, found_in, pg_dump


def _random_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _sql(settings: Settings, statement: str) -> list[tuple[object, ...]]:
    if settings.uses_postgres:
        with psycopg.connect(settings.database_url) as conn:
            cursor = conn.execute(statement)
            return list(cursor.fetchall()) if cursor.description else []
    with sqlite3.connect(settings.event_store_path) as conn:
        return list(conn.execute(statement).fetchall())


@pytest.fixture
def other_kek(settings: Settings) -> Settings:
    """The same stores, but AREC's key-encryption key is not the one the keys were wrapped with."""
    return settings.model_copy(update={"key_encryption_keys": json.dumps({"arec": _random_key()})})


def test_personal_fields_are_stored_as_ciphertext_only(
    platform: Platform, settings: Settings, enrolled: Enrolled
) -> None:
    [state] = [
        n.state
        for n in platform.store.recorder.select_notifications(1, 1000)
        if n.originator_id == enrolled.mentee_id and n.originator_version == 1
    ]
    stored = json.loads(state)

    assert found_in(state, enrolled.subject) == []
    assert set(stored["name"]["_data_"]) == {"subject_id", "ciphertext"}
    assert stored["profession"] == "Engineering"  # non-personal fields stay readable
    assert stored["origin"] == "Romania"


def test_the_wrong_key_encryption_key_is_a_clear_error_not_garbage(
    platform: Platform, other_kek: Settings, enrolled: Enrolled
) -> None:
    store = build_store(other_kek)
    try:
        with pytest.raises(KeyUnavailable) as raised:
            store.repository.get(enrolled.mentee_id)
    finally:
        store.close()

    message = str(raised.value)
    assert str(enrolled.mentee_id) in message
    assert str(pin_id_for("arec")) in message
    assert "key-encryption key" in message
    assert found_in(message.encode(), enrolled.subject) == []


def test_a_projection_with_the_wrong_key_stops_at_the_event_and_says_why(
    platform: Platform, other_kek: Settings, enrolled: Enrolled, tmp_path: Path
) -> None:
    store = build_store(other_kek)
    envelopes = [store.envelope(n) for n in store.recorder.select_notifications(1, 1000)]
    fresh = open_read_models(
        other_kek.database_url if other_kek.uses_postgres else f"sqlite:///{tmp_path}/fresh.db",
        "readmodels_fresh",
    )
    views = TenantViews(fresh, personal=store.personal_data.text)
    try:
        with pytest.raises(PoisonEvent, match="KeyUnavailable") as raised:
            views.handle(envelopes)
    finally:
        fresh.close()
        store.close()

    assert "Mentor.Enrolled" in str(raised.value) or "Mentee.Enrolled" in str(raised.value)
    assert found_in(str(raised.value).encode(), enrolled.subject) == []


def test_a_lost_key_store_is_a_clear_error(
    platform: Platform, settings: Settings, enrolled: Enrolled
) -> None:
    _sql(settings, "DELETE FROM person_keys")
    store = build_store(settings)  # a fresh process: no key in memory
    try:
        with pytest.raises(KeyUnavailable, match="no data key for person"):
            store.repository.get(enrolled.mentee_id)
    finally:
        store.close()


def test_a_late_event_cannot_give_an_erased_person_a_key_again(
    platform: Platform, enrolled: Enrolled
) -> None:
    store = platform.store
    stale: Mentee = store.repository.get(enrolled.mentee_id)  # loaded before the erasure
    erase_mentee(store, ErasePerson(enrolled.mentee_id), enrolled.ctx)
    stale.record_outcome(OutcomeKind.LICENCE_OBTAINED, date(2026, 3, 3), "P.Eng")

    with pytest.raises(PersonErased):
        store.save(stale)
    assert store.keys is not None
    record = store.keys.record(enrolled.mentee_id)
    assert record is not None
    assert record.destroyed
    assert record.wrapped_key is None


def test_someone_who_returns_is_enrolled_again_as_a_new_person(
    platform: Platform, enrolled: Enrolled
) -> None:
    store = platform.store
    erase_mentee(store, ErasePerson(enrolled.mentee_id), enrolled.ctx)
    returning = uc.enrol_mentee(
        store,
        c.EnrolMentee(
            enrolled.subject.name,
            "Engineering",
            "Romania",
            ["Romanian"],
            EnglishLevel.ADVANCED,
            date(2026, 5, 4),
        ),
        enrolled.ctx,
    )

    assert returning.id != enrolled.mentee_id
    assert store.repository.get(returning.id).name.value == enrolled.subject.name
    assert store.repository.get(enrolled.mentee_id).name.value == ERASED


def test_a_destroyed_key_leaves_no_trace_in_the_event_store(
    platform: Platform, settings: Settings, enrolled: Enrolled
) -> None:
    [(wrapped,)] = _sql(
        settings, f"SELECT wrapped_key FROM person_keys WHERE subject_id = '{enrolled.mentee_id}'"
    )
    assert isinstance(wrapped, (bytes, memoryview))
    wrapped = bytes(wrapped)

    erase_mentee(platform.store, ErasePerson(enrolled.mentee_id), enrolled.ctx)

    if settings.uses_postgres:
        dump = pg_dump(settings.database_url)
        assert wrapped.hex().encode() not in dump.lower()
    else:
        folder = settings.event_store_path.parent
        for path in folder.glob(f"{settings.event_store_path.name}*"):
            assert wrapped not in path.read_bytes(), path.name
    [(left, destroyed_at)] = _sql(
        settings,
        "SELECT wrapped_key, destroyed_at FROM person_keys "
        f"WHERE subject_id = '{enrolled.mentee_id}'",
    )
    assert left is None
    assert destroyed_at is not None


def test_a_store_without_a_key_store_neither_reads_nor_writes_personal_data(
    platform: Platform, enrolled: Enrolled
) -> None:
    offline = MentoringStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    notification = next(
        n
        for n in platform.store.recorder.select_notifications(1, 1000)
        if n.originator_id == enrolled.mentee_id
    )

    envelope = offline.envelope(notification)  # sealed: no key needed to publish
    with pytest.raises(KeyUnavailable, match="no key store"):
        offline.mapper.to_domain_event(notification)

    assert set(envelope.payload["name"]) == {"subject_id", "ciphertext"}


class TestConfiguration:
    def test_keys_are_named_by_pin_slug_or_id(self) -> None:
        arec, cniea = _random_key(), _random_key()
        keys = parse_key_encryption_keys(
            json.dumps({"arec": arec, str(pin_id_for("cniea")): cniea})
        )

        assert keys == {
            pin_id_for("arec"): base64.b64decode(arec),
            pin_id_for("cniea"): base64.b64decode(cniea),
        }

    def test_keys_can_come_from_a_file(self, tmp_path: Path) -> None:
        path = tmp_path / "keks.json"
        path.write_text(json.dumps({"arec": _random_key()}))

        assert list(parse_key_encryption_keys(str(path))) == [pin_id_for("arec")]

    @pytest.mark.parametrize(
        "value",
        ['{"arec": "not base64!"}', '{"arec": "c2hvcnQ="}', "[1, 2]", "/no/such/file.json"],
    )
    def test_malformed_keys_are_refused_with_the_setting_named(self, value: str) -> None:
        with pytest.raises(KeyConfigurationError):
            parse_key_encryption_keys(value)

    def test_production_never_uses_the_public_development_key(self) -> None:
        with pytest.raises(KeyConfigurationError, match="MENTORING_KEY_ENCRYPTION_MASTER_KEY"):
            key_encryption_keys(Settings(environment="production"))

    def test_in_production_a_pin_without_a_key_of_its_own_or_a_master_has_none(self) -> None:
        keys = key_encryption_keys(
            Settings(
                environment="production", key_encryption_keys=json.dumps({"arec": _random_key()})
            )
        )

        assert keys.fingerprint(pin_id_for("arec"))
        with pytest.raises(KeyConfigurationError, match=str(pin_id_for("cniea"))):
            keys.fingerprint(pin_id_for("cniea"))

    def test_each_pin_has_its_own_key_encryption_key(self) -> None:
        keys = key_encryption_keys(Settings(key_encryption_master_key=_random_key()))

        assert keys.fingerprint(pin_id_for("arec")) != keys.fingerprint(pin_id_for("cniea"))
