"""The relay's envelope, built straight from the stored JSON, is the mapper's to the byte."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date

import pytest
from eventsourcing.persistence import Notification
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.demo import seed_demo
from services.settings import Settings
from services.store import MentoringStore, build_store, to_envelope
from services.stored_envelopes import StoredEnvelopes


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
        direct = StoredEnvelopes().read(notification)
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


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.uuids()
    | st.dates()
    | st.datetimes(timezones=st.just(UTC)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
tricky_text = st.sampled_from(
    [
        '{"_type_":"uuid_hex","_data_":"0123456789abcdef0123456789abcdef"}',
        '"_type_"',
        'back\\slash " quote',
        "Québec · 北京 \u2028",
    ]
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=json_values | tricky_text,
    key=st.sampled_from(["cultural_background", "profession", "notes", "_type_"]),
)
def test_any_stored_value_reads_as_the_mapper_decodes_it(
    store: MentoringStore, value: object, key: str
) -> None:
    """Whatever a field holds (ids, dates, nested values, text that looks like a transcoded
    value), the direct reading gives the mapper's bytes or leaves the event to the mapper."""
    notification = next(n for n in stored(store) if b'"personal_data"' in n.state)
    transcoder = store.sealed_mapper.transcoder
    state = transcoder.decode(notification.state)
    changed = replace(notification, state=transcoder.encode({**state, key: value}))
    direct = StoredEnvelopes().read(changed)
    try:
        expected = by_mapper(store, changed)
    except TypeError:  # a value the mapper refuses too (a dict that looks transcoded)
        assert direct is None
        return
    if direct is not None:
        assert direct.to_json() == expected
    assert store.envelope(changed).to_json() == expected
