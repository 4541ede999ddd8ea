"""An API key expires in the future, within a year, at an instant everyone reads alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from domain.access import MAX_KEY_LIFETIME, ApiKey
from domain.errors import InvalidValue

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def issue(expires_at: datetime | None) -> ApiKey:
    return ApiKey.issue(uuid4(), uuid4(), "HR system", "coordinator", "0" * 64, expires_at, NOW)


def test_a_key_without_an_expiry_lasts_until_revoked() -> None:
    assert issue(None).expires_at is None


@pytest.mark.parametrize(
    "expires_at",
    [NOW, NOW - timedelta(seconds=1), datetime(2020, 1, 1, tzinfo=UTC)],
    ids=["now", "a second ago", "years ago"],
)
def test_a_key_cannot_expire_now_or_in_the_past(expires_at: datetime) -> None:
    with pytest.raises(InvalidValue, match="expiresAt must lie in the future"):
        issue(expires_at)


def test_a_key_lasts_at_most_a_year() -> None:
    assert issue(NOW + MAX_KEY_LIFETIME).expires_at == NOW + MAX_KEY_LIFETIME
    with pytest.raises(InvalidValue, match="expiresAt must be at most 366 days ahead"):
        issue(NOW + MAX_KEY_LIFETIME + timedelta(seconds=1))
    with pytest.raises(InvalidValue, match="expiresAt"):
        issue(datetime.max.replace(tzinfo=timezone(timedelta(hours=-12))))


def test_a_key_expiry_names_its_timezone_and_is_kept_in_utc() -> None:
    with pytest.raises(InvalidValue, match="expiresAt must name its timezone"):
        issue(datetime(2025, 6, 30, 17, 0))
    toronto = datetime(2025, 6, 30, 13, 0, tzinfo=timezone(timedelta(hours=-4)))

    kept = issue(toronto).expires_at

    assert kept is not None
    assert kept == toronto
    assert kept.tzinfo == UTC
