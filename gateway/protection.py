"""What keeps a hostile or careless client from hurting the gateway: limits on body size,
time and query cost, and an optional allow-list of persisted queries."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    IntValueNode,
    OperationDefinitionNode,
    ValidationRule,
    get_named_type,
)
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from gateway.errors import BadInputError
from gateway.graphql_http_protocol import JSON, Refusal, negotiate, refusal_body, request_json
from services import tracing
from services.errors import Forbidden

log = logging.getLogger(__name__)

DEFAULT_LIST_SIZE = 10  # assumed length of a nested list without `first`
PAGE_ARGUMENT = "first"


async def _json_error(
    send: Send, status: int, code: str, message: str, media_type: str = JSON
) -> None:
    """A refusal as a GraphQL response of one request error (no ``data``: nothing ran)."""
    body = json.dumps(refusal_body(message, code))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", f"{media_type}; charset=utf-8".encode())],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


@dataclass
class HttpMiddleware:
    """An ASGI middleware for HTTP requests: other scopes (lifespan, websocket) pass through."""

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


@dataclass
class BodyLimit(HttpMiddleware):
    """Refuse request bodies over ``max_bytes`` (413) before reading them into memory."""

    max_bytes: int

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _json_error(
                send, 413, "BAD_INPUT", f"The request is over {self.max_bytes} bytes."
            )
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BadInputError(f"The request is over {self.max_bytes} bytes.")
            return message

        try:
            await self.app(scope, limited, send)
        except BadInputError as error:
            await _json_error(send, 413, "BAD_INPUT", str(error))


class JsonBody(HttpMiddleware):
    """Refuse a JSON POST whose body is not a JSON object (400, BAD_INPUT) before the GraphQL
    route and its dependencies run; the route makes the same checks (gateway/graphql_http.py)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", []))
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        accept = headers.get(b"accept")
        media_type = negotiate(accept.decode("latin-1") if accept is not None else None)
        if (
            scope.get("method") != "POST"
            or content_type != JSON.encode()
            or media_type is None  # the route answers 406
        ):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        try:
            request_json(body)
        except Refusal as refusal:
            await _json_error(send, refusal.status_code, "BAD_INPUT", refusal.reason, media_type)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


@dataclass
class Timeout(HttpMiddleware):
    """Stop HTTP requests that run longer than ``seconds`` (503, code TIMEOUT)."""

    seconds: float

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await asyncio.wait_for(self.app(scope, receive, tracking), self.seconds)
        except TimeoutError:
            log.warning("request to %s stopped after %.1f s", scope.get("path"), self.seconds)
            if not started:
                await _json_error(
                    send,
                    503,
                    "TIMEOUT",
                    f"The request took longer than {self.seconds:g} s and was stopped; a change "
                    "it made may still complete: check before retrying.",
                )


def cost_limit(max_cost: int) -> type[ValidationRule]:
    """A validation rule: each field costs 1 for every time it may be resolved.

    A list multiplies what is under it by its length: the `first` argument of the field
    that returns it (a connection's `edges`), at most 100 when given as a variable, else
    DEFAULT_LIST_SIZE. Fragments are counted where they are spread.
    """

    class CostLimit(ValidationRule):
        # Cost of a fragment per unit of multiplier, by (fragment, type, pending `first`):
        # each fragment is walked once, however often it is spread (no fragment bombs).
        _fragments: dict[tuple[str, str, int | None], int]

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            self._fragments = {}
            schema = self.context.schema
            root = {
                "query": schema.query_type,
                "mutation": schema.mutation_type,
                "subscription": schema.subscription_type,
            }[node.operation.value]
            cost = self._selections(node.selection_set, root, 1, None)
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"The query would cost {cost}, over the limit of {max_cost}; ask for "
                        "fewer items (smaller `first`) or fewer nested lists."
                    )
                )

        def _selections(
            self, selection_set: Any, parent: Any, multiplier: int, first: int | None
        ) -> int:
            total = 0
            for selection in getattr(selection_set, "selections", ()):
                if isinstance(selection, FieldNode):
                    total += self._field(selection, parent, multiplier, first)
                elif isinstance(selection, FragmentSpreadNode):
                    total += multiplier * self._fragment(selection.name.value, first)
                else:  # inline fragment
                    condition = getattr(selection, "type_condition", None)
                    target = (
                        self.context.schema.get_type(condition.name.value) if condition else parent
                    )
                    total += self._selections(selection.selection_set, target, multiplier, first)
            return total

        def _fragment(self, name: str, first: int | None) -> int:
            fragment = self.context.get_fragment(name)
            if fragment is None:
                return 0  # reported by the validation rule for unknown fragments
            key = (name, fragment.type_condition.name.value, first)
            if key not in self._fragments:
                self._fragments[key] = 0  # a fragment cycle counts as nothing (and is reported)
                target = self.context.schema.get_type(fragment.type_condition.name.value)
                self._fragments[key] = self._selections(fragment.selection_set, target, 1, first)
            return self._fragments[key]

        def _field(self, node: FieldNode, parent: Any, multiplier: int, first: int | None) -> int:
            fields = getattr(get_named_type(parent), "fields", None) or {}
            definition = fields.get(node.name.value)
            if definition is None or node.selection_set is None:
                return multiplier
            own_first = first
            for argument in node.arguments or ():
                if argument.name.value == PAGE_ARGUMENT:
                    value = argument.value
                    own_first = _page_size(value)
            field_type = definition.type
            if isinstance(field_type, GraphQLNonNull):
                field_type = field_type.of_type
            inner = multiplier
            if isinstance(field_type, GraphQLList):
                inner = multiplier * max(
                    1, own_first if own_first is not None else DEFAULT_LIST_SIZE
                )
                own_first = None
            return multiplier + self._selections(
                node.selection_set, get_named_type(field_type), inner, own_first
            )

    return CostLimit


def _page_size(value: Any) -> int:
    """A `first` argument's size for costing: its literal value, or 100 for a variable."""
    if not isinstance(value, IntValueNode):
        return 100
    try:
        return int(value.value)
    except ValueError:  # more digits than Python converts: certainly too large
        return 10**9


def load_allow_list(path: Path) -> frozenset[str]:
    """SHA-256 hex digests of the allowed documents, from a JSON list of documents or digests."""
    entries = json.loads(path.read_text())
    digests = set()
    for entry in entries:
        is_digest = len(entry) == 64 and all(ch in "0123456789abcdef" for ch in entry)
        digests.add(entry if is_digest else hashlib.sha256(entry.encode()).hexdigest())
    return frozenset(digests)


class PersistedQueriesOnly(SchemaExtension):
    """Allow-list mode: only documents whose SHA-256 is listed may run."""

    allowed: frozenset[str] = frozenset()

    def on_operation(self) -> Iterator[None]:
        query = self.execution_context.query or ""
        if hashlib.sha256(query.encode()).hexdigest() not in self.allowed:
            raise Forbidden("This gateway runs persisted queries only; the document is not listed.")
        yield


def persisted_queries_only(allowed: frozenset[str]) -> type[PersistedQueriesOnly]:
    return type("AllowListedQueries", (PersistedQueriesOnly,), {"allowed": allowed})


TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


class Traceparent:
    """W3C Trace Context: every HTTP request belongs to a trace.

    The caller's ``traceparent`` header names the trace (a malformed one, or none, starts a
    new trace). The gateway's span for the request is in it: FastAPI's own server span when
    tracing is on (services/tracing.py), else an id made here. The trace id and that span's
    id become the correlation id of every event the request stores, so they travel with the
    event through the Kafka headers to the projector; the answer's ``traceparent`` header
    names the trace and the gateway's span."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        server = trace.get_current_span()  # FastAPI's, which honours the caller's header
        if server.is_recording():
            own = server.get_span_context()
            trace_id, span_id = own.trace_id, own.span_id
        else:  # tracing is off: the ids are made here
            given = dict(scope.get("headers") or []).get(b"traceparent", b"").decode("latin-1")
            found = TRACEPARENT.fullmatch(given.strip().lower())
            valid = found is not None and found.group(1) != "0" * 32
            trace_id = int(found.group(1), 16) if found and valid else secrets.randbits(128)
            span_id = secrets.randbits(64) or 1
        correlation = tracing.correlation(trace_id, span_id)
        scope.setdefault("state", {})["correlation_id"] = correlation

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                header = (b"traceparent", f"00-{correlation}-01".encode())
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        await self.app(scope, receive, answer)
