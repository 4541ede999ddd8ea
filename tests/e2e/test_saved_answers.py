"""A saved write says so, with its position, even when its read-back wait is refused.

A caller may wait for consistency only so often at once (gateway/consistency.py); beyond that
a wait is refused at once with STALE. For a query that is the whole answer. For a mutation the
change is already saved: before, its answer was that refusal, with no position and "retry when
they are answered", so a client sent the command again. Now it is the usual STALE of a saved
write: "was saved", with the position to read it at.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway import consistency
from gateway.app import create_app
from gateway.auth import issue_token
from gateway.bootstrap import Platform
from services.context import Role

REGISTER_PIN = """mutation {
  registerPin(input: {slug: "waits", name: "Waits network", communities: ["Any"],
                      professions: ["Engineering"]}) { position }
}"""


def refuse_every_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every caller already waits as often as it may (a bound of 0 waits per caller)."""
    init = consistency.ConsistencyWaits.__init__

    def bounded(
        self: consistency.ConsistencyWaits, platform: Platform, per_caller: int = 0
    ) -> None:
        init(self, platform, per_caller=0)

    monkeypatch.setattr(consistency.ConsistencyWaits, "__init__", bounded)


def test_a_write_whose_wait_is_refused_says_it_was_saved_with_its_position(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse_every_wait(monkeypatch)
    admin = issue_token(platform.settings, role=Role.ADMIN, tenant=None, subject="admin")
    with TestClient(create_app(platform)) as client:
        answer = client.post(
            "/graphql",
            json={"query": REGISTER_PIN},
            headers={"Authorization": f"Bearer {admin}"},
        )
    body: dict[str, Any] = answer.json()
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "STALE", body
    assert isinstance(error["extensions"].get("position"), int), body
    assert "was saved" in error["message"], body
    assert platform.store.recorder.max_notification_id() == error["extensions"]["position"]
