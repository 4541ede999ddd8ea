"""How every console page reads and writes: named GraphQL documents run against the gateway's
own schema, with the context the /graphql endpoint builds for the session's bearer token.

So the console is held to everything an integrator is held to: authentication, roles, each
PIN's isolation (and row-level security), the query limits and the error codes. Each document
is a file ``operations/<Name>.graphql`` holding the one operation ``<Name>``, with the
fragments it spreads from ``operations/fragments/`` (a selection several pages read); an
operator who runs persisted queries adds these documents, as ``document`` composes them, to
the allow-list.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import strawberry
from starlette.requests import HTTPConnection, Request

from gateway.console.session import session_token
from gateway.context import RequestContext
from services.settings import Settings

OPERATIONS = Path(__file__).parent / "operations"
FRAGMENTS = OPERATIONS / "fragments"
NAME = r"[A-Z][A-Za-z0-9]*"
"""An operation's or a fragment's name (it names its file too)."""
ContextGetter = Callable[[HTTPConnection], Awaitable[RequestContext]]
_STRIPPED = {b"authorization", b"cookie", b"idempotency-key", b"content-type", b"content-length"}


@dataclass(frozen=True)
class ConsoleApi:
    """The gateway's schema and its context getter (``gateway/app.py``), shared by the pages."""

    schema: strawberry.Schema
    context: ContextGetter
    settings: Settings


@dataclass(frozen=True)
class Problem:
    """One GraphQL error as the console shows it: its code and its message for people."""

    code: str
    message: str


@dataclass
class ApiError(Exception):
    """The API refused an operation; the page shows ``message`` next to its form."""

    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def of(cls, code: str, message: str) -> ApiError:
        """A refusal the console makes itself, before asking the API (the same for the page)."""
        return cls([Problem(code, message)])

    @property
    def code(self) -> str:
        return self.problems[0].code if self.problems else "INTERNAL"

    @property
    def message(self) -> str:
        return "; ".join(problem.message for problem in self.problems)


class SignInRequired(ApiError):
    """No session, or its token is no longer accepted: the console asks to sign in."""


class NotFound(ApiError):
    """An unknown id or another PIN's id (the API does not tell them apart): a 404 page."""


class Refused(ApiError):
    """The caller's role may not do this: a 403 page."""


_RAISED: dict[str, type[ApiError]] = {
    "UNAUTHENTICATED": SignInRequired,
    "NOT_FOUND": NotFound,
    "FORBIDDEN": Refused,
}


@cache
def document(operation: str) -> str:
    """The text of the named operation, from ``operations/<operation>.graphql``, followed by
    the fragments it spreads (``operations/fragments/<Fragment>.graphql``, and theirs)."""
    if not re.fullmatch(NAME, operation):
        raise ValueError(f"{operation!r} is not an operation name")
    text = (OPERATIONS / f"{operation}.graphql").read_text()
    if not re.search(rf"\b(query|mutation)\s+{operation}\b", text):
        raise ValueError(f"operations/{operation}.graphql does not define {operation}")
    return "\n".join([text, *_fragments(text, set())])


def _fragments(text: str, included: set[str]) -> list[str]:
    """The fragments ``text`` spreads that are not ``included`` yet, each once."""
    found: list[str] = []
    for name in re.findall(rf"\.\.\.\s*({NAME})", text):
        if name not in included:
            included.add(name)
            fragment = (FRAGMENTS / f"{name}.graphql").read_text()
            found += [fragment, *_fragments(fragment, included)]
    return found


def api_of(request: HTTPConnection) -> ConsoleApi:
    """The console's API, attached to each request by the console router."""
    api: ConsoleApi = request.state.console_api
    return api


def as_caller(request: HTTPConnection, token: str, idempotency_key: str | None) -> HTTPConnection:
    """The request as the /graphql endpoint would see it from this browser: the session's
    token as the Authorization header, no cookies."""
    headers = [(k, v) for k, v in request.scope.get("headers", []) if k not in _STRIPPED]
    headers.append((b"authorization", f"Bearer {token}".encode()))
    if idempotency_key is not None:
        headers.append((b"idempotency-key", idempotency_key.encode()))
    return HTTPConnection({**request.scope, "headers": headers})


async def accepts(request: HTTPConnection, token: str) -> bool:
    """Whether the gateway accepts ``token`` as /graphql would (the Authenticator's check)."""
    context = await api_of(request).context(as_caller(request, token, None))
    try:
        context.principal()
    except Exception:  # every refusal: Unauthenticated, or a PIN or mentor not found
        return False
    return True


async def run(
    request: Request,
    operation: str,
    variables: Mapping[str, Any] | None = None,
    *,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Run the named operation as the signed-in caller and return its ``data``.

    Raises ``SignInRequired`` (no session or a refused token), ``NotFound``, ``Refused``, or
    ``ApiError`` with the API's messages (nothing was changed unless the message says so).
    ``idempotency_key`` is sent as the Idempotency-Key header: a form sent twice changes once.
    """
    token = session_token(request)
    if token is None:
        raise SignInRequired([Problem("UNAUTHENTICATED", "Please sign in.")])
    api = api_of(request)
    context = await api.context(as_caller(request, token, idempotency_key))
    result = await api.schema.execute(
        document(operation),
        variable_values=dict(variables or {}),
        context_value=context,
        operation_name=operation,
    )
    if result.errors:
        problems = [
            Problem(str((error.extensions or {}).get("code", "INTERNAL")), error.message)
            for error in result.errors
        ]
        raise _RAISED.get(problems[0].code, ApiError)(problems)
    return result.data or {}


async def look_up(
    request: Request, operation: str, variables: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``run`` for a page about one record named in its address: an id that is not even
    well-formed is as unknown as another PIN's (``NotFound``)."""
    try:
        return await run(request, operation, variables)
    except ApiError as error:
        if error.code == "BAD_INPUT":
            raise NotFound(error.problems) from None
        raise
