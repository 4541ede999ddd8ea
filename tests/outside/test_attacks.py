"""The attack suite's hostile documents, requests, credentials and WebSocket conversations,
sent over the wire to `mentoring serve`; and the two ways found to stall it (a fragment bomb,
waits for consistency) tried against the real process, with `/healthz` timed meanwhile."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.outside.conftest import SECRET, Served
from tests.security.test_credentials import BAD_CREDENTIALS, CREATE_KEY, REVOKE_KEY
from tests.security.test_hostile_requests import (
    KNOWN_CODES,
    RAW_CASES,
    RAW_VARIABLES,
    REFUSED_DOCUMENTS,
    WS_CASES,
)

ME = "{ me { role } }"
HEALTHY_SECONDS = 1.0  # /healthz answers within this while the gateway is under attack


def codes(response: httpx.Response) -> list[str]:
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e.get("extensions", {}).get("code") for e in errors or []]


def healthz_seconds(served: Served) -> float:
    with httpx.Client(base_url=served.base_url, timeout=30) as http:
        started = time.monotonic()
        assert http.get("/healthz").status_code == 200
        return time.monotonic() - started


def alive(served: Served) -> None:
    assert served.data(ME, token=served.token()) == {"me": {"role": "coordinator"}}
    served.alive()


@pytest.mark.parametrize("name", REFUSED_DOCUMENTS)
def test_a_hostile_document_is_refused_over_the_wire(served: Served, name: str) -> None:
    query, variables = REFUSED_DOCUMENTS[name]
    headers = {"Authorization": f"Bearer {served.token()}", "Content-Type": "application/json"}
    if name in RAW_VARIABLES:
        body = b'{"query": ' + json.dumps(query).encode() + b', "variables": '
        content = body + RAW_VARIABLES[name] + b"}"
    else:
        content = json.dumps({"query": query, "variables": variables}).encode()
    with served.client() as http:
        response = http.post("/graphql", content=content, headers=headers)
    assert response.status_code in (200, 400), response.text[:300]
    assert codes(response) == ["BAD_INPUT"] * len(codes(response)) != [], response.text[:300]
    assert "Traceback" not in response.text
    alive(served)


@pytest.mark.parametrize("name", RAW_CASES)
def test_a_broken_request_gets_a_coded_answer_over_the_wire(served: Served, name: str) -> None:
    case = RAW_CASES[name]
    headers = {"Authorization": f"Bearer {served.token()}", **case.headers}
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    with served.client() as http:
        response = http.request(
            case.method, "/graphql", content=case.content, headers=headers, params=case.params
        )
    assert response.status_code < 500, response.text[:300]
    assert set(codes(response)) <= KNOWN_CODES, response.text[:300]
    if response.status_code >= 400:
        assert codes(response), response.text[:300]
    alive(served)


@pytest.fixture(scope="module")
def credentials(served: Served) -> SimpleNamespace:
    """What BAD_CREDENTIALS needs, made through the API of the served platform: the signing
    settings, ids of people, a revoked and an expired API key."""
    arec, cniea = served.token(tenant="arec"), served.token(tenant="cniea")
    mentee = served.data("{ mentees(first: 1) { edges { node { id } } } }", token=arec)
    mentor = served.data("{ mentors(first: 1) { edges { node { id } } } }", token=cniea)
    own = served.data(CREATE_KEY, token=arec)["createApiKey"]
    other = served.data(CREATE_KEY, token=cniea)["createApiKey"]
    revoked = served.data(CREATE_KEY, token=arec)["createApiKey"]
    served.data(REVOKE_KEY, {"id": revoked["apiKey"]["id"]}, token=arec)
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    expiring = served.data(CREATE_KEY, {"expires": soon}, token=arec)["createApiKey"]
    deadline = time.monotonic() + 60
    while codes(served.post(ME, token=expiring["secret"])) != ["UNAUTHENTICATED"]:
        assert time.monotonic() < deadline, "the expiring key never expired"
        time.sleep(0.2)
    return SimpleNamespace(
        settings=SimpleNamespace(
            jwt_secret=SECRET, jwt_audience="mentoring", jwt_issuer="mentoring"
        ),
        arec=SimpleNamespace(
            api_key=own["secret"],
            programme=SimpleNamespace(mentee_ids=[mentee["mentees"]["edges"][0]["node"]["id"]]),
        ),
        cniea=SimpleNamespace(
            api_key_id=other["apiKey"]["id"],
            programme=SimpleNamespace(mentor_id=mentor["mentors"]["edges"][0]["node"]["id"]),
        ),
        extra={"revoked key": revoked["secret"], "expired key": expiring["secret"]},
    )


@pytest.mark.parametrize("name", BAD_CREDENTIALS)
def test_bad_credentials_are_unauthenticated_over_the_wire(
    served: Served, credentials: SimpleNamespace, name: str
) -> None:
    authorization = BAD_CREDENTIALS[name](credentials)  # type: ignore[arg-type]
    headers = {} if authorization is None else {b"Authorization": authorization.encode()}
    with served.client() as http:
        for query in ("{ mentees { edges { node { name email } } } }", ME):
            response = http.post("/graphql", json={"query": query}, headers=headers)
            assert response.status_code < 500, (name, response.text[:300])
            answer = response.json()
            assert answer.get("data") is None, (name, answer)
            assert codes(response) == ["UNAUTHENTICATED"], (name, answer)
    with connect(served.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        payload = {} if authorization is None else {"Authorization": authorization}
        ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=30)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403, (name, closed.value.rcvd)


@pytest.mark.parametrize("name", WS_CASES)
def test_a_broken_websocket_conversation_is_refused_over_the_wire(
    served: Served, name: str
) -> None:
    init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {served.token()}"}}
    outcome: Any = None
    with connect(served.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        try:
            for message in WS_CASES[name]:
                message = init if message == "INIT" else message
                if isinstance(message, bytes | str):
                    ws.send(message)
                else:
                    ws.send(json.dumps(message))
            outcome = json.loads(ws.recv(timeout=30))
            if outcome["type"] == "connection_ack":
                outcome = json.loads(ws.recv(timeout=30))
        except ConnectionClosed as closed:
            outcome = closed.rcvd.code if closed.rcvd else "dropped without a close frame"
    if isinstance(outcome, int) and name == "a 1 MiB argument":
        assert outcome == 1009, outcome  # over the message size limit (max_request_bytes)
    elif isinstance(outcome, int):
        assert 4400 <= outcome < 4500, outcome
    else:
        assert isinstance(outcome, dict), outcome
        assert outcome["type"] in ("error", "next"), outcome
        errors = (
            outcome["payload"] if outcome["type"] == "error" else outcome["payload"].get("errors")
        )
        assert outcome["type"] == "next" or errors, outcome
        assert {e["extensions"]["code"] for e in errors or []} <= KNOWN_CODES, outcome
    alive(served)


def fragment_fan_out(levels: int) -> str:
    """The reported document: each fragment spreads the next three times (3**levels)."""
    fragments = " ".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    return (
        f"query {{ ...F0 }} {fragments} "
        f"fragment F{levels} on Query {{ __typename __typename __typename }}"
    )


def test_a_fragment_fan_out_is_refused_at_once_and_health_stays_prompt(served: Served) -> None:
    document = fragment_fan_out(12)
    assert len(document) < 700
    token = served.token()

    def refuse(levels: int) -> float:
        started = time.monotonic()
        response = served.post(fragment_fan_out(levels), token=token)
        took = time.monotonic() - started
        assert codes(response), response.text[:300]
        assert set(codes(response)) == {"BAD_INPUT"}, response.text[:300]
        return took

    small = min(refuse(8) for _ in range(3))  # 3**8 spreads: refused as well
    with ThreadPoolExecutor(4) as pool:
        bombs = [pool.submit(refuse, levels) for levels in (12, 14, 16, 18)]
        health = healthz_seconds(served)
        took = [bomb.result() for bomb in bombs]
    # Work grows with the document's length, not with 3**levels: 3**18 spreads cost about
    # what 3**6 does (a ratio, so a busy machine does not fail it).
    assert max(took) < 10 * small + 0.5, (small, took)
    assert health < HEALTHY_SECONDS, health


def aliased_waits(position: int | Callable[[int], int], aliases: int = 30) -> str:
    at = position if callable(position) else (lambda _: position)
    fields = " ".join(
        f"c{i}: cohorts(first: 1, consistentWith: {at(i)}) {{ totalCount }}" for i in range(aliases)
    )
    return "{ " + fields + " }"


def test_waiting_for_a_position_never_given_out_is_refused_at_once(served: Served) -> None:
    """Eight parallel requests of 30 aliased waits for position 999999999 (it held /healthz
    for 7 s): each is refused at once, and /healthz stays prompt."""
    token = served.token()
    document = aliased_waits(999_999_999)

    def ask() -> tuple[float, list[str]]:
        started = time.monotonic()
        response = served.post(document, token=token)
        return time.monotonic() - started, codes(response)

    with ThreadPoolExecutor(8) as pool:
        answers = [pool.submit(ask) for _ in range(8)]
        health = healthz_seconds(served)
        results = [answer.result() for answer in answers]
    for took, found in results:
        assert found, found
        assert set(found) == {"BAD_INPUT"}, found
        assert took < 2.0, took  # far below the consistency timeout (2 s embedded, 10 s here)
    assert health < HEALTHY_SECONDS, health


def test_waits_the_projection_cannot_answer_yet_are_bounded_per_caller(served: Served) -> None:
    """With the projector paused (SIGSTOP), a caller's waits for a stored but unprojected
    position queue up to a bound and the rest answer STALE at once; other callers and
    /healthz are served meanwhile; after SIGCONT the write is read."""
    if served.kind != "production":
        pytest.skip("embedded, the gateway projects in its own process: nothing to pause")
    projector = served.processes["project"]
    token, other = served.token(), served.token(tenant="iccc")
    enrol = """mutation { enrolMentee(input: {name: "Paused", profession: "Engineering",
      origin: "Romania", languages: ["Romanian"], englishLevel: BASIC, enrolledOn: "2026-01-12"})
      { position } }"""
    projector.send_signal(signal.SIGSTOP)
    try:
        written = served.post(enrol, token=token)
        errors = written.json().get("errors", [])
        assert [e["extensions"]["code"] for e in errors] == ["STALE"], written.text[:300]
        position = errors[0]["extensions"]["position"]
        # 30 distinct positions, all stored, none readable yet.
        document = aliased_waits(lambda i: position - i)
        results: list[list[str]] = []

        def ask() -> None:
            results.append(codes(served.post(document, token=token, timeout=60)))

        threads = [threading.Thread(target=ask) for _ in range(4)]
        for thread in threads:
            thread.start()
        health = healthz_seconds(served)
        started = time.monotonic()
        assert served.data(ME, token=other) == {"me": {"role": "coordinator"}}
        other_took = time.monotonic() - started
        for thread in threads:
            thread.join()
    finally:
        projector.send_signal(signal.SIGCONT)
    assert health < HEALTHY_SECONDS, health
    assert other_took < HEALTHY_SECONDS, other_took
    for found in results:
        assert set(found) == {"STALE"}, found
    read = served.data(
        "query($p: Int!) { mentees(consistentWith: $p, first: 1) { totalCount } }",
        {"p": position},
        token=token,
    )
    assert read["mentees"]["totalCount"] > 0
