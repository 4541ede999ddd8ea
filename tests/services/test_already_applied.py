"""A retry whose first answer was lost still learns the truth: the change was made.

When the database fails after it committed a request's events but before the gateway heard
so, the client is told ``changed: unknown`` and retries with the same ``Idempotency-Key``.
No answer was kept for that key (keeping it comes after the save), so the retry finds only
the key's tracking record. It must then say that the change was made, with a position at
which a query sees it, not merely that "nothing was changed now" (a chaos run under load
met exactly this).
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from graphql.error import GraphQLError

from domain.cohort import Cohort
from domain.pin import pin_id_for
from gateway.errors import code_errors
from services.settings import Settings
from services.store import AlreadyApplied, build_store


def test_a_retry_after_a_lost_answer_says_the_change_was_made_and_where(tmp_path: Path) -> None:
    store = build_store(Settings(database_url=f"sqlite:///{tmp_path}/events.db"))
    tenant = pin_id_for("arec")
    key = f"request:{uuid.uuid4().hex}"
    first = Cohort.plan(tenant, "Spring", date(2026, 3, 1), date(2026, 7, 1))
    with store.request(key):
        store.save(first)  # committed; its answer never kept (the reply was lost)
    saved_at = store.recorder.max_notification_id() or 0
    store.save(Cohort.plan(tenant, "Other", date(2026, 3, 1), date(2026, 7, 1)))

    retry = Cohort.plan(tenant, "Spring", date(2026, 3, 1), date(2026, 7, 1))
    with pytest.raises(AlreadyApplied) as raised, store.request(key):
        store.save(retry)
    assert raised.value.position >= saved_at
    assert store.repository.get(first.id).name == "Spring"
    assert retry.id not in store.repository  # nothing saved twice

    errors = [GraphQLError(str(raised.value), path=["planCohort"], original_error=raised.value)]
    code_errors(errors)
    assert errors[0].extensions == {
        "changed": "yes",
        "position": raised.value.position,
        "code": "ALREADY_APPLIED",
    }
    assert f"consistentWith: {raised.value.position}" in errors[0].message
    store.close()
