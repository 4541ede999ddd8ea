"""The rules of GraphQL over HTTP, apart from any framework: which media type answers, what
a request must hold, which status an answer gets, how a refusal reads.

Status codes, by the answer's media type:

- ``application/json`` (legacy): 200 for every GraphQL result, request errors included.
- ``application/graphql-response+json``: 200 when the answer has ``data`` (even null: field
  errors); a request error (parse, validation, variable coercion, no operation) has no
  ``data`` and is 400, or 401/403/500/503 by its code.
- Either: a request that is not a GraphQL request at all (body not a JSON object, ``query``
  missing or not a string...) is 400; a POST whose Content-Type is not application/json 415;
  a mutation over GET or a method other than GET and POST 405 with ``Allow``; a query string
  over the size limit 414; an Accept that allows neither media type 406.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from cross_web import HTTPException
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
NO_DOCUMENT = "The request holds no GraphQL document: send it as `query`."
SUBSCRIPTIONS_NEED_A_WEBSOCKET = (
    "Subscriptions are not served over HTTP: open a WebSocket to this URL with the "
    "graphql-transport-ws protocol and subscribe there."
)
# The HTTP status of a request error under application/graphql-response+json, by code.
REQUEST_ERROR_STATUS = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "TIMEOUT": 503,
}


class Refusal(HTTPException):
    """A request the endpoint does not serve: its status, why, and headers (``Allow``)."""

    def __init__(self, status: int, reason: str, headers: Mapping[str, str] | None = None):
        super().__init__(status, reason)
        self.headers = dict(headers or {})


def refusal_body(message: str, code: str = "BAD_INPUT") -> dict[str, object]:
    """A GraphQL response of one request error (no ``data``: nothing was executed)."""
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def negotiate(accept: str | None) -> str | None:
    """The media type to answer in, by the client's ``Accept``; None when it allows neither.

    No ``Accept``: application/graphql-response+json (the specification's default since its
    watershed, 2025-01-01). A wildcard alone (``*/*``, ``application/*``, what curl, httpx
    and fetch send): application/json, the type legacy clients read. Otherwise the higher
    quality, then the more specific range, then the one listed first.
    """
    if accept is None or not accept.strip():
        return GRAPHQL_RESPONSE_JSON
    best: tuple[float, int, int] | None = None
    chosen = None
    for media_type in (JSON, GRAPHQL_RESPONSE_JSON):  # a tie of wildcards goes to the first
        score = _acceptance(accept, media_type)
        if score is not None and score[0] > 0 and (best is None or score > best):
            best, chosen = score, media_type
    return chosen


def _acceptance(accept: str, media_type: str) -> tuple[float, int, int] | None:
    """(quality, specificity, -position) of the range of ``accept`` that best covers
    ``media_type``; None when no range does (or only with a charset other than UTF-8)."""
    kind = media_type.split("/")[0]
    found: tuple[float, int, int] | None = None
    for position, entry in enumerate(accept.lower().split(",")):
        name, *parameters = (part.strip() for part in entry.split(";"))
        specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(name)
        if specificity is None:
            continue
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
            elif key.strip() == "charset" and value.strip(' "') not in ("utf-8", "utf8"):
                specificity = -1
        if specificity < 0:
            continue
        if found is None or specificity > found[1]:
            found = (quality, specificity, -position)
    return found


def request_json(body: bytes) -> dict[str, Any]:
    """A POST body as the JSON object of a GraphQL request; a Refusal (400) otherwise."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested beyond reason
        raise Refusal(400, "The request body is not valid JSON (UTF-8).") from None
    if not isinstance(document, dict):
        raise Refusal(
            400,
            'The request body must be a JSON object, {"query": "..."}; one operation per '
            "request (batches are not accepted).",
        )
    return document


def graphql_request(parameters: Mapping[str, Any]) -> GraphQLRequestData:
    """The GraphQL request in a POST's JSON object or a GET's decoded query string."""
    query = parameters.get("query")
    if query is None or query == "":
        raise Refusal(400, NO_DOCUMENT)
    if not isinstance(query, str):
        raise Refusal(400, "`query` must be a string holding a GraphQL document.")
    operation_name = parameters.get("operationName")
    if operation_name == "":
        operation_name = None  # the specification: the same as no name
    if not isinstance(operation_name, str | None):
        raise Refusal(400, "`operationName`, when given, must be a string.")
    for name in ("variables", "extensions"):
        if not isinstance(parameters.get(name), dict | None):
            raise Refusal(400, f"`{name}`, when given, must be a JSON object.")
    return GraphQLRequestData(
        query=query,
        variables=parameters.get("variables"),
        operation_name=operation_name,
        extensions=parameters.get("extensions"),
        protocol="http",
    )


def query_string_parameters(query_string: str) -> dict[str, Any]:
    """The GraphQL request parameters of a GET, ``variables`` and ``extensions`` decoded.

    A parameter given twice is refused: a cache keyed on one copy must not serve another.
    """
    parameters: dict[str, Any] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if name in parameters:
            raise Refusal(400, f"`{name}` is given more than once in the query string.")
        parameters[name] = value
    for name in ("variables", "extensions"):
        if parameters.get(name):
            try:
                parameters[name] = json.loads(parameters[name])
            except (ValueError, RecursionError):
                raise Refusal(400, f"`{name}` must be a JSON object, URL-encoded.") from None
        else:
            parameters.pop(name, None)
    return parameters


@lru_cache(maxsize=128)
def operation_type(query: str, operation_name: str | None) -> OperationType | None:
    """The type of the operation a document would run; None if it does not parse or does not
    say (the schema reports that as it executes)."""
    try:
        document = parse(query, no_location=True)
    except GraphQLError:
        return None
    operation = get_operation_ast(document, operation_name)
    return operation.operation if operation else None


def is_request_error(result: ExecutionResult) -> bool:
    """No execution happened: parse, validation, variable coercion or no operation to run.

    (A field error carries a path; an error before execution does not.)
    """
    if isinstance(result, PreExecutionError):
        return True
    return (
        result.data is None
        and bool(result.errors)
        and all(e.path is None for e in result.errors or ())
    )


def response_status(response: GraphQLHTTPResponse, media_type: str) -> int:
    """The status of a GraphQL response: see the module's docstring."""
    if media_type == JSON or "data" in response:
        return 200
    errors: list[Any] = response.get("errors") or [{}]
    code = (errors[0].get("extensions") or {}).get("code")
    return REQUEST_ERROR_STATUS.get(str(code), 400)


def request_error(message: str) -> ExecutionResult:
    """A request error of the caller's making (BAD_INPUT): nothing was executed."""
    return PreExecutionError(
        data=None, errors=[GraphQLError(message, extensions={"code": "BAD_INPUT"})]
    )
