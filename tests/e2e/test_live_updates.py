"""Live updates over graphql-transport-ws: a PIN hears its own activity, and only that."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from gateway.app import create_app
from gateway.auth import issue_token
from gateway.bootstrap import Platform
from services import commands as c
from services import use_cases as uc
from services.context import Role
from tests.services.conftest import build

SUBSCRIBE = "subscription($after: Int) { activity(after: $after) { position eventType recordId } }"


def _subscribe(ws: WebSocketTestSession, token: str, after: int | None = None) -> None:
    ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    assert ws.receive_json()["type"] == "connection_ack"
    payload = {"query": SUBSCRIBE, "variables": {"after": after}}
    ws.send_json({"id": "1", "type": "subscribe", "payload": payload})


def _next(ws: WebSocketTestSession) -> dict[str, Any]:
    message: dict[str, Any] = ws.receive_json()
    return message


def test_a_coordinator_hears_their_pins_activity_and_not_another_pins(platform: Platform) -> None:
    arec, cniea = build(platform, "arec", mentees=1), build(platform, "cniea", mentees=1)
    platform.catch_up(platform.store.recorder.max_notification_id() or 0)
    token = issue_token(platform.settings, role=Role.COORDINATOR, tenant="arec", subject="c")
    with (
        TestClient(create_app(platform)) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        # Resume from the current position, so the subscription cannot start after the events.
        _subscribe(ws, token, after=platform.store.recorder.max_notification_id())
        uc.start_cohort(platform.store, c.StartCohort(cniea.cohort_id), cniea.ctx)
        started = uc.start_cohort(platform.store, c.StartCohort(arec.cohort_id), arec.ctx)
        platform.catch_up(started.position)

        message = _next(ws)
        assert message["type"] == "next", message
        activity = message["payload"]["data"]["activity"]
        assert activity == {
            "position": started.position,
            "eventType": "Cohort.Started",
            "recordId": str(arec.cohort_id),
        }


def test_a_subscription_without_valid_credentials_is_refused(platform: Platform) -> None:
    """graphql-transport-ws: bad credentials in connection_init close the socket with 4403
    (Forbidden) before any acknowledgement."""
    with (
        TestClient(create_app(platform)) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403
