"""The unwrapped data keys a process keeps stay within their bound, however many people pass."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from services.privacy import person_keys as pk
from services.privacy.key_encryption_keys import ConfiguredKeyEncryptionKeys


def test_the_key_cache_is_bounded_and_keeps_the_most_recent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pk, "CACHE_SIZE", 50)
    keys = pk.PersonKeys(
        pk.SQLiteKeyTable(tmp_path / "keys.db"), ConfiguredKeyEncryptionKeys({}, os.urandom(32))
    )
    tenant = uuid.uuid4()
    people = [uuid.uuid4() for _ in range(3 * 50)]
    try:
        for person in people:
            keys.ensure(person, tenant)
            assert keys.data_key(person) is not None
            assert len(keys._cache) <= 50
        assert len(keys._cache) == 50
        assert people[-1] in keys._cache  # the newest stay
        assert people[0] not in keys._cache  # the oldest went first
        assert keys.data_key(people[0]) is not None  # and are read again when asked
    finally:
        keys.close()
