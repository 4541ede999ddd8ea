"""Subscriptions as a real client opens them: the `websockets` library over TCP against
`mentoring serve`, speaking graphql-transport-ws."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.outside.conftest import Served

PROTOCOL = "graphql-transport-ws"
ACTIVITY = "subscription($after: Int) { activity(after: $after) { position eventType recordId } }"
ENROL = """mutation($name: String!) {
  enrolMentee(input: {name: $name, profession: "Engineering", origin: "Romania",
                      languages: ["Romanian"], englishLevel: INTERMEDIATE,
                      enrolledOn: "2026-01-12"}) { mentee { id } position }
}"""
HEAD = "{ cohorts(first: 1) { totalCount } }"


@contextmanager
def socket(served: Served, protocols: tuple[str, ...] = (PROTOCOL,)) -> Iterator[ClientConnection]:
    with connect(served.ws_url, subprotocols=list(protocols), open_timeout=30) as ws:  # type: ignore[arg-type]
        yield ws


def receive(ws: ClientConnection, timeout: float = 30) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
    return message


def init(ws: ClientConnection, token: str | None) -> None:
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    ws.send(json.dumps({"type": "connection_init", "payload": payload}))


def closed_with(ws: ClientConnection, timeout: float = 30) -> tuple[int, str]:
    """The close code and reason of a socket the server is expected to close."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ws.recv(timeout=max(0.1, deadline - time.monotonic()))
    except ConnectionClosed as closed:
        frame = closed.rcvd
    else:
        raise AssertionError(f"the server kept the socket open for {timeout} s")
    assert frame is not None, "the server dropped the connection without a close frame"
    return frame.code, frame.reason


def position_now(served: Served, token: str) -> int:
    """The store's position as the read models have it: a write's position minus nothing."""
    enrolled = served.data(ENROL, {"name": "Position Marker"}, token=token)["enrolMentee"]
    return int(enrolled["position"])


def test_a_mutation_is_followed_by_a_next_message_on_a_real_socket(served: Served) -> None:
    token = served.token()
    after = position_now(served, token)
    with socket(served) as ws:
        assert ws.subprotocol == PROTOCOL
        init(ws, token)
        assert receive(ws)["type"] == "connection_ack"
        ws.send(
            json.dumps(
                {
                    "id": "live",
                    "type": "subscribe",
                    "payload": {"query": ACTIVITY, "variables": {"after": after}},
                }
            )
        )
        enrolled = served.data(ENROL, {"name": "Live Subscriber"}, token=token)["enrolMentee"]
        message = receive(ws)
        assert message["type"] == "next", message
        assert message["id"] == "live"
        assert message["payload"]["data"]["activity"] == {
            "position": enrolled["position"],
            "eventType": "Mentee.Enrolled",
            "recordId": enrolled["mentee"]["id"],
        }


def test_another_pins_subscriber_hears_nothing_of_it(served: Served) -> None:
    arec, iccc = served.token(tenant="arec"), served.token(tenant="iccc")
    after = position_now(served, arec)
    with socket(served) as ws:
        init(ws, iccc)
        assert receive(ws)["type"] == "connection_ack"
        subscribe = {"query": ACTIVITY, "variables": {"after": after}}
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        served.data(ENROL, {"name": "Not For ICCC"}, token=arec)
        ours = served.data(ENROL, {"name": "For ICCC"}, token=iccc)["enrolMentee"]
        message = receive(ws)
        # The first thing iccc hears is its own write, though arec's came first.
        assert message["payload"]["data"]["activity"]["recordId"] == ours["mentee"]["id"]


@pytest.mark.parametrize(
    "credentials",
    ["none", "forged", "signed with the development secret", "expired", "another issuer"],
)
def test_bad_credentials_in_connection_init_close_the_socket_with_4403(
    served: Served, credentials: str
) -> None:
    token = {
        "none": None,
        "forged": "forged.token.value",
        "signed with the development secret": served.token(
            secret="development-only-secret-change-me-0123456789"
        ),
        "expired": served.token(lifetime=-60),
        "another issuer": served.token(iss="someone-else"),
    }[credentials]
    with socket(served) as ws:
        init(ws, token)
        code, reason = closed_with(ws)
    assert code == 4403, (code, reason)
    served.alive()


def test_subscribing_before_connection_init_closes_with_4401(served: Served) -> None:
    with socket(served) as ws:
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": ACTIVITY}}))
        assert closed_with(ws)[0] == 4401


def test_the_legacy_graphql_ws_protocol_is_refused_clearly(served: Served) -> None:
    """subscriptions-transport-ws ("graphql-ws") is not offered: its client is told so at
    once (close 4406 with a reason) instead of half-working."""
    with socket(served, ("graphql-ws",)) as ws:
        assert ws.subprotocol is None
        assert closed_with(ws) == (4406, "Subprotocol not acceptable")
    # A client offering both gets the maintained protocol.
    with socket(served, ("graphql-ws", PROTOCOL)) as ws:
        assert ws.subprotocol == PROTOCOL
    served.alive()


MALFORMED_SUBSCRIBES: dict[str, Any] = {
    "payload not an object": {"id": "1", "type": "subscribe", "payload": "x"},
    "payload missing": {"id": "1", "type": "subscribe"},
    "query not a string": {"id": "1", "type": "subscribe", "payload": {"query": 5}},
    "variables not an object": {
        "id": "1",
        "type": "subscribe",
        "payload": {"query": ACTIVITY, "variables": [1]},
    },
    "no id": {"type": "subscribe", "payload": {"query": ACTIVITY}},
    "unknown message type": {"type": "hack"},
}


@pytest.mark.parametrize("name", MALFORMED_SUBSCRIBES)
def test_a_malformed_message_closes_with_4400_and_the_server_keeps_serving(
    served: Served, name: str
) -> None:
    with socket(served) as ws:
        init(ws, served.token())
        assert receive(ws)["type"] == "connection_ack"
        ws.send(json.dumps(MALFORMED_SUBSCRIBES[name]))
        code, reason = closed_with(ws)
    assert code == 4400, (code, reason)
    assert reason
    served.data(HEAD, token=served.token())
    served.alive()


@pytest.mark.parametrize(
    "document",
    ["subscription {", "subscription { activity { " + "position " * 3000 + "} }"],
    ids=["syntax error", "over the token limit"],
)
def test_a_document_that_does_not_parse_is_reported_not_swallowed(
    served: Served, document: str
) -> None:
    with socket(served) as ws:
        init(ws, served.token())
        assert receive(ws)["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document}}))
        code, reason = closed_with(ws)
    assert code == 4400
    assert "Syntax Error" in reason


def test_an_invalid_subscription_gets_an_error_message_with_a_code(served: Served) -> None:
    with socket(served) as ws:
        init(ws, served.token())
        assert receive(ws)["type"] == "connection_ack"
        query = "subscription { nope }"
        ws.send(json.dumps({"id": "7", "type": "subscribe", "payload": {"query": query}}))
        message = receive(ws)
        assert message["type"] == "error", message
        assert message["id"] == "7"
        assert [e["extensions"]["code"] for e in message["payload"]] == ["BAD_INPUT"]
        # The connection stays usable for a valid subscription.
        ws.send(json.dumps({"id": "8", "type": "subscribe", "payload": {"query": ACTIVITY}}))
        ws.send(json.dumps({"type": "ping"}))
        assert receive(ws)["type"] == "pong"


def test_a_message_over_the_size_limit_closes_the_socket_and_nothing_else(served: Served) -> None:
    """A WebSocket message is held to the HTTP body limit (64 KiB by default): 1009."""
    with socket(served) as ws:
        init(ws, served.token())
        assert receive(ws)["type"] == "connection_ack"
        query = '{ mentees(profession: "' + "x" * 100_000 + '") { totalCount } }'
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        assert closed_with(ws)[0] == 1009
    served.data(HEAD, token=served.token())
    served.alive()
