"""Whatever an attacker presents instead of valid credentials gets UNAUTHENTICATED, over
HTTP and when subscribing (graphql-transport-ws), and never a byte of a PIN's data."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from starlette.websockets import WebSocketDisconnect

from domain.pin import pin_id_for
from tests.security.conftest import World, error_codes, random_id, receive, subscribe

MENTEES = "{ mentees { totalCount edges { node { name email } } } }"
ME = "{ me { role actor tenantId } }"
SUBSCRIBE = "subscription { activity(after: 0) { position eventType recordId } }"
ANOTHER_SECRET = "not-the-gateways-secret-but-long-enough-0123456789"


def _b64(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims(world: World, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "arec-coordinator",
        "role": "coordinator",
        "tenant": "arec",
        "aud": world.settings.jwt_audience,
        "iss": world.settings.jwt_issuer,
        "iat": now,
        "exp": now + 600,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(world: World, **changes: Any) -> str:
    return jwt.encode(claims(world, **changes), world.settings.jwt_secret, algorithm="HS256")


def _tampered_payload(world: World) -> str:
    header, _, signature = signed(world).split(".")
    return ".".join((header, _b64(claims(world, tenant="cniea")), signature))


def _unsigned(world: World, alg: str) -> str:
    return f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(claims(world))}."


def _tampered_key(key: str) -> str:
    return key[:-1] + ("A" if key[-1] != "A" else "B")


def _key_of_another_pin(world: World) -> str:
    """cniea's key id with arec's secret."""
    arec_secret = world.arec.api_key.split("_", 2)[2]
    return f"mk_{world.cniea.api_key_id.replace('-', '')}_{arec_secret}"


# name -> the whole Authorization header (None: no header at all)
BAD_CREDENTIALS: dict[str, Callable[[World], str | None]] = {
    "none": lambda w: None,
    "empty header": lambda w: "",
    "bearer without a token": lambda w: "Bearer",
    "another scheme": lambda w: f"Basic {signed(w)}",
    "expired": lambda w: (
        "Bearer " + signed(w, iat=int(time.time()) - 3600, exp=int(time.time()) - 60)
    ),
    "not yet valid": lambda w: "Bearer " + signed(w, nbf=int(time.time()) + 3600),
    "forged signature": lambda w: (
        "Bearer " + jwt.encode(claims(w), ANOTHER_SECRET, algorithm="HS256")
    ),
    "alg none": lambda w: "Bearer " + jwt.encode(claims(w), "", algorithm="none"),
    "alg None, hand-made": lambda w: "Bearer " + _unsigned(w, "None"),
    "alg HS256 without a signature": lambda w: "Bearer " + _unsigned(w, "HS256"),
    "alg HS512 with the right secret": lambda w: (
        "Bearer " + jwt.encode(claims(w), w.settings.jwt_secret, algorithm="HS512")
    ),
    "payload changed under a valid signature": lambda w: "Bearer " + _tampered_payload(w),
    "jku pointing elsewhere": lambda w: (
        "Bearer "
        + jwt.encode(
            claims(w), ANOTHER_SECRET, algorithm="HS256", headers={"jku": "http://evil.example/k"}
        )
    ),
    "wrong audience": lambda w: "Bearer " + signed(w, aud="elsewhere"),
    "no audience": lambda w: "Bearer " + signed(w, aud=None),
    "wrong issuer": lambda w: "Bearer " + signed(w, iss="https://evil.example"),
    "no expiry": lambda w: "Bearer " + signed(w, exp=None),
    "no role": lambda w: "Bearer " + signed(w, role=None),
    "unknown role": lambda w: "Bearer " + signed(w, role="superuser"),
    "no subject": lambda w: "Bearer " + signed(w, sub=None),
    "tenant naming no PIN": lambda w: "Bearer " + signed(w, tenant="ghost"),
    "tenant given as a PIN's id": lambda w: "Bearer " + signed(w, tenant=str(pin_id_for("arec"))),
    "empty tenant": lambda w: "Bearer " + signed(w, tenant=""),
    "tenant as a list": lambda w: "Bearer " + signed(w, tenant=["arec"]),
    "no tenant for a coordinator": lambda w: "Bearer " + signed(w, tenant=None),
    "mentor without a tenant": lambda w: "Bearer " + signed(w, role="mentor", tenant=None),
    "mentor naming no mentor": lambda w: "Bearer " + signed(w, role="mentor", sub=random_id()),
    "mentor naming a mentee": lambda w: (
        "Bearer " + signed(w, role="mentor", sub=w.arec.programme.mentee_ids[0])
    ),
    "mentor of another PIN": lambda w: (
        "Bearer " + signed(w, role="mentor", sub=w.cniea.programme.mentor_id)
    ),
    "garbage": lambda w: "Bearer not-a-jwt",
    "three dots": lambda w: "Bearer a.b.c",
    "base64 noise": lambda w: "Bearer " + _b64(b"\x00\xff" * 300),
    "long": lambda w: "Bearer " + "A" * 8_000,
    "unicode": lambda w: "Bearer \u00e9\u00e9\u00e9",
    "revoked API key": lambda w: "Bearer " + w.extra["revoked key"],
    "tampered API key": lambda w: "Bearer " + _tampered_key(w.arec.api_key),
    "API key id of another PIN": lambda w: "Bearer " + _key_of_another_pin(w),
    "API key without its secret": lambda w: "Bearer " + w.arec.api_key.rsplit("_", 1)[0] + "_",
    "API key, malformed id": lambda w: "Bearer mk_nothex_secret",
    "expired API key": lambda w: "Bearer " + w.extra["expired key"],
}

CREATE_KEY = """mutation($expires: DateTime) {
  createApiKey(name: "probe", expiresAt: $expires) { secret apiKey { id } }
}"""
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revoked } } }"


@pytest.fixture(scope="module")
def keys(world: World) -> World:
    """A revoked key and an expired key of arec's, on the world (once per store)."""
    if "expired key" in world.extra:
        return world
    client, token = world.client, world.arec.token
    revoked = client.data(CREATE_KEY, token=token)["createApiKey"]
    client.data(REVOKE_KEY, {"id": revoked["apiKey"]["id"]}, token=token)
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    expiring = client.data(CREATE_KEY, {"expires": soon}, token=token)["createApiKey"]
    assert client.data(ME, token=expiring["secret"])["me"]["role"] == "coordinator"
    time.sleep(max(0.0, datetime.fromisoformat(soon).timestamp() - time.time()) + 0.1)
    world.extra["revoked key"] = revoked["secret"]
    world.extra["expired key"] = expiring["secret"]
    return world


def _post(world: World, query: str, authorization: str | None) -> Any:
    headers = {} if authorization is None else {b"Authorization": authorization.encode()}
    return world.client.http.post("/graphql", json={"query": query}, headers=headers)


def _unauthenticated(world: World, answer: dict[str, Any], name: str) -> None:
    assert answer.get("data") is None, (name, answer)
    assert error_codes(answer) == ["UNAUTHENTICATED"], (name, answer)
    message = answer["errors"][0]["message"]
    for internal in ("Traceback", "jwt.", "Error(", "psycopg", "sqlite", 'File "'):
        assert internal not in message, (name, message)
    for secret in world.arec.secrets():
        assert secret not in json.dumps(answer), (name, answer)


@pytest.mark.parametrize("name", BAD_CREDENTIALS)
def test_bad_credentials_are_unauthenticated_over_http(keys: World, name: str) -> None:
    world = keys
    authorization = BAD_CREDENTIALS[name](world)
    for query in (MENTEES, ME, 'mutation { createApiKey(name: "x") { secret } }'):
        response = _post(world, query, authorization)
        assert response.status_code < 500, (name, response.text)
        _unauthenticated(world, response.json(), name)


@pytest.mark.parametrize("name", BAD_CREDENTIALS)
def test_bad_credentials_are_unauthenticated_for_a_subscription(keys: World, name: str) -> None:
    world = keys
    authorization = BAD_CREDENTIALS[name](world)
    with world.websocket() as ws:
        answer = subscribe(ws, authorization, SUBSCRIBE)
    if "closed" in answer:  # refusing the connection outright is as good
        assert answer["closed"] in (4400, 4401, 4403), (name, answer)
        return
    _unauthenticated(world, answer, name)


def test_valid_credentials_pass_the_same_checks(keys: World) -> None:
    """The control: the same requests with a valid token and a valid key succeed."""
    world = keys
    for authorization in (f"Bearer {world.arec.token}", f"Bearer {world.arec.api_key}"):
        answer = _post(world, MENTEES, authorization).json()
        assert "errors" not in answer, answer
        assert answer["data"]["mentees"]["totalCount"] > 0
        with world.websocket() as ws:
            first = subscribe(ws, authorization, SUBSCRIBE)
        assert "errors" not in first, first
        assert first["data"]["activity"]["position"] > 0


@pytest.mark.parametrize(
    "payload",
    [None, "Bearer x", ["Authorization"], {"Authorization": 42}, {"authorization": None}],
    ids=["no payload", "a string", "a list", "a number", "null"],
)
def test_a_malformed_connection_payload_is_unauthenticated(world: World, payload: Any) -> None:
    """Refused: either the connection is closed (4400: a payload must be an object) or the
    subscription answers UNAUTHENTICATED."""
    closed = None
    with world.websocket() as ws:
        init: dict[str, Any] = {"type": "connection_init"}
        if payload is not None:
            init["payload"] = payload
        try:
            ws.send_json(init)
            assert receive(ws)["type"] == "connection_ack"
            ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
            message = receive(ws)
        except WebSocketDisconnect as disconnect:
            closed = disconnect.code
    if closed is not None:
        assert closed in (4400, 4401, 4403), closed
        return
    assert message["type"] in ("next", "error"), message
    body = message["payload"] if message["type"] == "next" else {"errors": message["payload"]}
    assert error_codes(body) == ["UNAUTHENTICATED"], message
