"""The relay's envelope, built straight from the stored JSON, is the mapper's to the byte."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from eventsourcing.persistence import Notification

from services.demo import seed_demo
from services.settings import Settings
from services.store import MentoringStore, _direct_envelope, build_store, to_envelope


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> MentoringStore:
    folder = tmp_path_factory.mktemp("direct")
    built = build_store(Settings(database_url=f"sqlite:///{folder}/events.db"))
    seed_demo(built, today=date(2026, 6, 1))
    return built


def stored(store: MentoringStore) -> list[Notification]:
    return list(store.recorder.select_notifications(start=1, limit=1_000_000))


def by_mapper(store: MentoringStore, notification: Notification) -> bytes:
    return to_envelope(notification.id, store.sealed_mapper.to_domain_event(notification)).to_json()


def test_every_demo_event_publishes_the_same_bytes_as_through_the_mapper(
    store: MentoringStore,
) -> None:
    notifications = stored(store)
    assert len(notifications) > 500
    kinds = set()
    for notification in notifications:
        direct = _direct_envelope(notification)
        assert direct is not None, notification.topic  # read without the mapper
        assert direct.to_json() == by_mapper(store, notification)
        assert store.envelope(notification) == direct
        kinds.add(notification.topic)
    assert len(kinds) >= 18  # every event class the demo writes
    sealed = [n for n in notifications if b'"personal_data"' in n.state]
    assert sealed, "the demo stores personal fields"
    assert all(b"ciphertext" in store.envelope(n).to_json() for n in sealed)


def test_an_upcast_event_or_an_unknown_stored_value_is_left_to_the_mapper(
    store: MentoringStore,
) -> None:
    notification = next(n for n in stored(store) if b'"personal_data"' in n.state)
    state = json.loads(notification.state)
    # A stored version older than the class: the mapper upcasts (here: no upcaster exists).
    versioned = replace(notification, state=json.dumps({**state, "class_version": 0}).encode())
    with pytest.raises(Exception, match=r"upcast|class_version|attribute"):
        store.envelope(versioned)
    # A personal field stored before per-person encryption: the mapper's clear refusal.
    field = next(
        k for k, v in state.items() if isinstance(v, dict) and v.get("_type_") == "personal_data"
    )
    clear = {
        **state,
        field: {
            "_type_": "personal_data",
            "_data_": {"subject_id": state[field]["_data_"]["subject_id"], "value": "x"},
        },
    }
    with pytest.raises(Exception, match="before per-person encryption"):
        store.envelope(replace(notification, state=json.dumps(clear).encode()))
