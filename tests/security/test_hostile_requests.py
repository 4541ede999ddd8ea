"""Hostile and broken requests: deep, alias-bombed, oversized, too costly, malformed, not
JSON, the wrong content type or method. Each gets a GraphQL error or a 4xx with an error
code, never a 5xx, and the gateway keeps answering afterwards."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.websockets import WebSocketDisconnect

from gateway.app import create_app
from tests.security.conftest import World, error_codes, receive

ME = "{ me { role } }"
KNOWN_CODES = {
    "BAD_INPUT",
    "NOT_FOUND",
    "FORBIDDEN",
    "UNAUTHENTICATED",
    "INVARIANT_VIOLATION",
    "CONFLICT",
    "STALE",
}


def send(
    world: World,
    content: bytes | None = None,
    *,
    method: str = "POST",
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    token: bool = True,
) -> httpx.Response:
    """One request on its own connection (a broken request may close the connection)."""
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = f"Bearer {world.arec.token}"
    if content_type is not None:
        all_headers["Content-Type"] = content_type
    with httpx.Client(base_url=world.client.base_url, timeout=10) as http:
        return http.request(method, "/graphql", content=content, headers=all_headers, params=params)


def post(world: World, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
    body = {"query": query, **({"variables": variables} if variables is not None else {})}
    return send(world, json.dumps(body).encode())


def assert_alive(world: World) -> None:
    """The gateway still answers, at once, on a new connection."""
    started = time.monotonic()
    answer = post(world, ME)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"data": {"me": {"role": "coordinator"}}}
    with httpx.Client(base_url=world.client.base_url, timeout=5) as http:
        assert http.get("/healthz").status_code == 200
    assert time.monotonic() - started < 5


def coded(response: httpx.Response) -> list[str]:
    """The error codes of a JSON answer (none for an answer that is not JSON)."""
    try:
        body = response.json()
    except ValueError:
        return []
    return error_codes(body) if isinstance(body, dict) else []


def sane(response: httpx.Response) -> None:
    """Never a 5xx, never an INTERNAL error, never a traceback."""
    assert response.status_code < 500, (response.status_code, response.text[:300])
    assert set(coded(response)) <= KNOWN_CODES, response.text[:300]
    assert "Traceback" not in response.text


def refused(response: httpx.Response) -> None:
    """A GraphQL error with a known code, or a 4xx; never a 5xx."""
    sane(response)
    if response.status_code == 200:
        assert coded(response), response.text[:300]


# --- documents ---------------------------------------------------------------------------

DEEP = "{ groups { edges { node { " + "mentees { groups { " * 4 + "id" + " } }" * 4 + " } } } }"
INTROSPECTION_DEEP = (
    "{ __schema { types { fields { type { fields { type { fields { type { fields { type { "
    "name } } } } } } } } } } }"
)
ALIASES = "{ " + " ".join(f"a{i}: me {{ role }}" for i in range(40)) + " }"
NESTED_ALIASES = (
    "{ groups { edges { node { "
    + " ".join(f"m{i}: mentees {{ id }}" for i in range(40))
    + " } } } }"
)
TOKENS = "{ me { " + "role " * 2500 + "} }"
COSTLY = "{ mentees(first: 100) { edges { node { groups { mentees { outcomes { kind evidence } } } } } } }"
COSTLY_IN_FRAGMENT = (
    "query { mentees(first: 100) { ...M } } fragment M on MenteeConnection { edges { node { "
    "groups { mentees { outcomes { kind evidence } } } } } }"
)
COSTLY_INLINE = (
    "query { mentees(first: 100) { ... on MenteeConnection { edges { node { groups { mentees "
    "{ outcomes { kind evidence } } } } } } } }"
)
COSTLY_BY_VARIABLE = (
    "query($n: Int!) { mentees(first: $n) { edges { node { groups { mentees { outcomes { kind "
    "} } } } } } }"
)
CYCLE = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"

REFUSED_DOCUMENTS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "too deep": (DEEP, None),
    "introspection too deep": (INTROSPECTION_DEEP, None),
    "alias bomb": (ALIASES, None),
    "nested alias bomb": (NESTED_ALIASES, None),
    "too many tokens": (TOKENS, None),
    "too costly": (COSTLY, None),
    "too costly, in a fragment": (COSTLY_IN_FRAGMENT, None),
    "too costly, in an inline fragment": (COSTLY_INLINE, None),
    "too costly, `first` as a variable": (COSTLY_BY_VARIABLE, {"n": 100}),
    "first far too large": ("{ mentees(first: 1000000) { totalCount } }", None),
    "first over 32 bits": ("{ mentees(first: 4294967296) { totalCount } }", None),
    "first negative": ("{ mentees(first: -1) { totalCount } }", None),
    "first too large, as a variable": (
        "query($n: Int!) { mentees(first: $n) { totalCount } }",
        {"n": 10**6},
    ),
    "cyclic fragments": (CYCLE, None),
    "unterminated": ("{ mentees { ", None),
    "only a comment": ("# nothing", None),
    "unknown field": ("{ noSuchField }", None),
    "mutation without its arguments": ("mutation { enrolMentee }", None),
    "wrong argument type": ('{ mentees(first: "ten") { totalCount } }', None),
    "undeclared variable": ("{ mentee(id: $id) { name } }", None),
    "variable of the wrong type": (
        "query($id: ID!) { mentee(id: $id) { name } }",
        {"id": {"a": 1}},
    ),
    "missing variable": ("query($id: ID!) { mentee(id: $id) { name } }", {}),
    "two anonymous operations": ("{ me { role } } { me { actor } }", None),
    "duplicate operation names": ("query Q { me { role } } query Q { me { actor } }", None),
    "unknown directive": ("{ me @evil { role } }", None),
    "unknown fragment": ("{ ...Nope }", None),
    "subscription over HTTP": ("subscription { activity { position } }", None),
    "variable bomb": (
        "query(" + ", ".join(f"$v{i}: ID" for i in range(300)) + ") { me { role } }",
        None,
    ),
    "a huge integer literal": ("{ mentees(first: " + "9" * 5000 + ") { totalCount } }", None),
    "NaN for an Int": ("query($n: Int!) { mentees(first: $n) { totalCount } }", None),
}
# Raw bodies for the last one, which JSON cannot carry from Python as it is.
RAW_VARIABLES = {"NaN for an Int": b'{"n": NaN}'}


@pytest.mark.parametrize("name", list(REFUSED_DOCUMENTS))
def test_a_hostile_or_broken_document_gets_a_graphql_error(world: World, name: str) -> None:
    query, variables = REFUSED_DOCUMENTS[name]
    if name in RAW_VARIABLES:
        body = b'{"query": ' + json.dumps(query).encode() + b', "variables": '
        response = send(world, body + RAW_VARIABLES[name] + b"}")
    else:
        response = post(world, query, variables)
    refused(response)
    assert response.status_code in (200, 400), response.text[:300]
    assert coded(response), response.text[:300]
    assert set(coded(response)) <= {"BAD_INPUT"}, response.text[:300]
    assert_alive(world)


# --- bodies, content types, methods -----------------------------------------------------


@dataclass
class Raw:
    content: bytes | None
    method: str = "POST"
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] | None = None


DEEP_JSON = (
    b'{"query": "{ me { role } }", "variables": {"x": ' + b"[" * 30000 + b"]" * 30000 + b"}}"
)
HUGE = json.dumps({"query": ME, "padding": "x" * 70_000}).encode()

RAW_CASES: dict[str, Raw] = {
    "not JSON": Raw(b"hello"),
    "not UTF-8": Raw(b'{"query": "\xff\xfe"}'),
    "JSON null": Raw(b"null"),
    "JSON number": Raw(b"42"),
    "JSON string": Raw(b'"{ me { role } }"'),
    "JSON true": Raw(b"true"),
    "JSON array (a batch)": Raw(b'[{"query": "{ me { role } }"}]'),
    "query not a string": Raw(b'{"query": 123}'),
    "variables not an object": Raw(b'{"query": "{ me { role } }", "variables": "x"}'),
    "no query": Raw(b"{}"),
    "an empty query": Raw(b'{"query": ""}'),
    "operationName not a string": Raw(b'{"query": "{ me { role } }", "operationName": 5}'),
    "extensions not an object": Raw(b'{"query": "{ me { role } }", "extensions": "x"}'),
    "JSON nested 30000 deep": Raw(DEEP_JSON),
    "a 5000-digit number": Raw(
        b'{"query": "query($n: Int!) { mentees(first: $n) { totalCount } }", '
        b'"variables": {"n": ' + b"9" * 5000 + b"}}"
    ),
    "infinity": Raw(
        b'{"query": "query($n: Int!) { mentees(first: $n) { totalCount } }", '
        b'"variables": {"n": 1e400}}'
    ),
    "over the size limit": Raw(HUGE),
    "text/plain": Raw(b'{"query": "{ me { role } }"}', content_type="text/plain"),
    "a form": Raw(b"query=%7Bme%7Brole%7D%7D", content_type="application/x-www-form-urlencoded"),
    "multipart": Raw(
        b'--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
        b'{"query": "{ me { role } }"}\r\n--b--\r\n',
        content_type="multipart/form-data; boundary=b",
    ),
    "application/graphql": Raw(b"{ me { role } }", content_type="application/graphql"),
    "no content type": Raw(b'{"query": "{ me { role } }"}', content_type=None),
    "a GET": Raw(None, method="GET", params={"query": ME}),
    "a GET of a mutation": Raw(None, method="GET", params={"query": "mutation { __typename }"}),
    "a GET with variables not JSON": Raw(
        None, method="GET", params={"query": ME, "variables": "{"}
    ),
    "an Accept that allows no JSON": Raw(
        b'{"query": "{ me { role } }"}', headers={"Accept": "text/html"}
    ),
    "a PUT": Raw(b'{"query": "{ me { role } }"}', method="PUT"),
    "a DELETE": Raw(None, method="DELETE"),
    "a PATCH": Raw(b'{"query": "{ me { role } }"}', method="PATCH"),
    "a 100 KiB header": Raw(b'{"query": "{ me { role } }"}', headers={"X-Padding": "x" * 100_000}),
}

STRAWBERRY_PARSING = (
    "strawberry's HTTP view (strawberry/http/async_base_view.py parse_http_body, "
    "strawberry/http/base.py parse_json) lets the exception out and the ASGI server answers "
    "500; the gateway has no handler that turns a body it cannot read into a 400 BAD_INPUT"
)


@pytest.mark.parametrize("name", list(RAW_CASES))
def test_a_broken_request_is_never_a_server_error(world: World, name: str) -> None:
    case = RAW_CASES[name]
    response = send(
        world,
        case.content,
        method=case.method,
        content_type=case.content_type,
        headers=case.headers,
        params=case.params,
    )
    sane(response)
    assert_alive(world)


def test_a_refused_request_says_why_with_an_error_code(world: World) -> None:
    """strawberry's own refusals are plain-text 400s ('Unsupported content type', 'Batching
    is not enabled'...) and FastAPI's 405 is {"detail": ...}; the gateway's view
    (gateway/graphql_http.py) answers each as a GraphQL error with a code."""
    missing = []
    for name, case in RAW_CASES.items():
        response = send(
            world,
            case.content,
            method=case.method,
            content_type=case.content_type,
            headers=case.headers,
            params=case.params,
        )
        if response.status_code >= 400 and not coded(response):
            missing.append(f"{name}: {response.status_code} {response.text[:60]!r}")
    assert missing == []


def test_a_get_never_runs_a_mutation(world: World) -> None:
    """No cross-site GET can write: a mutation in the query string is refused, unrun."""
    before = world.platform.store.recorder.max_notification_id()
    for query in (
        'mutation { createApiKey(name: "csrf") { secret } }',
        'mutation { enrolMentee(input: {name: "X", profession: "E", origin: "R", '
        'languages: ["R"], englishLevel: BASIC, enrolledOn: "2024-01-01"}) { position } }',
    ):
        response = send(world, None, method="GET", params={"query": query})
        refused(response)
        assert response.status_code >= 400
    assert world.platform.store.recorder.max_notification_id() == before


def test_an_oversized_body_is_refused_before_it_is_read(world: World) -> None:
    """Declared or streamed without a length, a body over the limit is a 413 BAD_INPUT."""
    limit = world.settings.max_request_bytes

    def chunks() -> Iterator[bytes]:
        for _ in range(limit // 1024 + 8):
            yield b" " * 1024
        yield json.dumps({"query": ME}).encode()

    declared = send(world, b" " * (limit + 1) + json.dumps({"query": ME}).encode())
    with httpx.Client(base_url=world.client.base_url, timeout=10) as http:
        streamed = http.post(
            "/graphql",
            content=chunks(),
            headers={
                "Authorization": f"Bearer {world.arec.token}",
                "Content-Type": "application/json",
            },
        )
    for response in (declared, streamed):
        assert response.status_code == 413, response.text[:200]
        assert coded(response) == ["BAD_INPUT"]
    assert_alive(world)


# --- a gateway of its own for what may stall it ---------------------------------------


@pytest.fixture
def spare(world: World) -> Iterator[str]:
    """A second gateway over the world's platform (which already runs: no lifespan), so a
    request that stalls it stalls nothing else."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(world.platform),
            host="127.0.0.1",
            port=port,
            log_level="critical",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=60)


def fragment_bomb(levels: int) -> str:
    """2**levels spreads of one field in a few hundred bytes."""
    fragments = " ".join(
        f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)
    )
    return f"query {{ ...F{levels} }} fragment F0 on Query {{ me {{ role }} }} {fragments}"


def test_a_fragment_bomb_costs_no_more_to_refuse_than_a_small_one(
    world: World, request: pytest.FixtureRequest
) -> None:
    """Refusing 2**17 spreads takes about as long as refusing 2**10 (time, relative to this
    machine: exponential work shows as a ratio of tens)."""
    if world.store != "sqlite":
        pytest.skip("validation does not touch the store: once is enough")
    spare: str = request.getfixturevalue("spare")
    headers = {"Authorization": f"Bearer {world.arec.token}"}

    def seconds(levels: int) -> float:
        with httpx.Client(base_url=spare, timeout=60) as http:
            started = time.monotonic()
            answer = http.post("/graphql", json={"query": fragment_bomb(levels)}, headers=headers)
            took = time.monotonic() - started
        sane(answer)
        return took

    # The fastest of three each: a pause of the busy machine slows one try, exponential work
    # (2**7 times the spreads) slows every one.
    small = min(seconds(10) for _ in range(3))
    large = min(seconds(17) for _ in range(3))
    assert large < 5 * small + 0.25, f"2**10 spreads: {small:.3f} s, 2**17: {large:.3f} s"


# --- subscriptions ----------------------------------------------------------------------


def conversation(world: World, *messages: Any) -> Any:
    """Send ``messages`` over graphql-transport-ws; the first answer after the ack: a message,
    the close code, or the exception the server let out (a crashed connection)."""
    try:
        with world.websocket() as ws:
            for message in messages:
                if isinstance(message, bytes):
                    ws.send_bytes(message)
                elif isinstance(message, str):
                    ws.send_text(message)
                else:
                    ws.send_json(message)
            answer = receive(ws)
            if answer["type"] == "connection_ack":
                answer = receive(ws)
            return answer
    except WebSocketDisconnect as closed:
        return closed.code
    except TimeoutError:
        return "no answer"
    except Exception as crash:  # the app's own exception, re-raised by the test client
        return crash


def _subscribe(query: str) -> dict[str, Any]:
    return {"id": "1", "type": "subscribe", "payload": {"query": query}}


WS_CASES: dict[str, tuple[Any, ...]] = {
    "not JSON": ("{not json",),
    "binary": (b"\x00\x01\x02",),
    "unknown message type": ({"type": "hack"},),
    "subscribe before init": (_subscribe("subscription { activity { position } }"),),
    "init twice": ("INIT", "INIT"),
    "unknown field": ("INIT", _subscribe("subscription { nope }")),
    "alias bomb": (
        "INIT",
        _subscribe(
            "subscription { " + " ".join(f"a{i}: activity {{ position }}" for i in range(40)) + " }"
        ),
    ),
    "a query too deep": ("INIT", _subscribe(DEEP)),
    "a 1 MiB argument": (
        "INIT",
        _subscribe('{ mentees(profession: "' + "x" * 2**20 + '") { totalCount } }'),
    ),
    "a syntax error": ("INIT", _subscribe("subscription {")),
    "over the token limit": (
        "INIT",
        _subscribe("subscription { activity { " + "position " * 5000 + "} }"),
    ),
    "payload not an object": ("INIT", {"id": "1", "type": "subscribe", "payload": "x"}),
}


# Fixed in gateway/graphql_ws.py and gateway/schema.py (CachedParser); proven over a real
# socket in tests/outside/test_websocket.py as well.
@pytest.mark.parametrize("name", list(WS_CASES))
def test_a_broken_websocket_conversation_gets_an_error_or_a_clean_close(
    world: World, name: str
) -> None:
    init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {world.arec.token}"}}
    messages = [init if m == "INIT" else m for m in WS_CASES[name]]
    outcome = conversation(world, *messages)
    if isinstance(outcome, int):
        assert 4400 <= outcome < 4500, outcome  # graphql-transport-ws: a refusal, not a crash
    else:
        assert isinstance(outcome, dict), outcome
        assert outcome["type"] in ("error", "next"), outcome
        body = outcome["payload"] if outcome["type"] == "next" else {"errors": outcome["payload"]}
        assert set(error_codes(body)) <= KNOWN_CODES, outcome
        assert outcome["type"] == "next" or error_codes(body), outcome
    assert_alive(world)


# --- whatever comes -----------------------------------------------------------------------

FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
GRAPHQL_PIECES = st.sampled_from(
    [
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "...",
        "$id",
        ":",
        "@skip(if: true)",
        "query",
        "mutation",
        "fragment F on Query",
        "mentees",
        'mentee(id: "x")',
        "groups",
        "edges",
        "node",
        "first: 100",
        "first: -1",
        "name",
        "__typename",
        "__schema",
        "me",
        "role",
        '"',
        "#",
        "on",
        "subscription",
        "alias: me",
        "null",
        "0",
        "1e9",
        "\\u0000",
    ]
)


@FAST
@given(
    query=st.text(max_size=200) | st.lists(GRAPHQL_PIECES, max_size=40).map(" ".join),
    variables=st.none()
    | st.dictionaries(st.sampled_from(["id", "n", "x"]), st.integers() | st.text()),
)
def test_no_document_at_all_makes_a_server_error(
    world: World, query: str, variables: dict[str, Any] | None
) -> None:
    response = post(world, query, variables)
    assert response.status_code < 500, (query, response.text[:300])
    assert "INTERNAL" not in coded(response), (query, response.text[:300])


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@FAST
@given(
    body=st.dictionaries(
        st.sampled_from(["query", "variables", "operationName", "extensions", "id"])
        | st.text(max_size=8),
        JSON_VALUES,
        max_size=5,
    )
)
def test_no_json_object_at_all_makes_a_server_error(world: World, body: dict[str, Any]) -> None:
    """(Bodies that are JSON but not an object: see the JSON null/number/string cases.)"""
    response = send(world, json.dumps(body).encode())
    assert response.status_code < 500, (body, response.text[:300])
    assert "INTERNAL" not in coded(response), (body, response.text[:300])


def test_the_gateway_still_answers_after_all_of_it(world: World) -> None:
    assert_alive(world)
