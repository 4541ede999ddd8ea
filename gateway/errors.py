"""GraphQL errors with a stable ``code`` extension, and nothing internal in the message."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping

import psycopg
from eventsourcing import persistence
from graphql.error import GraphQLError

from domain.errors import InvalidValue, InvariantViolation
from gateway.auth import Unauthenticated
from services.errors import ServiceError
from services.store import AlreadyApplied

log = logging.getLogger(__name__)


UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,
    sqlite3.OperationalError,
    persistence.OperationalError,  # the event store's, for psycopg's (a pool with none to give)
    persistence.InterfaceError,
)


class BadInputError(Exception):
    """Input the schema accepts but the gateway refuses (a malformed id, a bad cursor)."""


def error_code(error: GraphQLError) -> str | None:
    """The stable code of an error the caller may see, or None for an internal error."""
    original = error.original_error
    if original is None:
        return "BAD_INPUT"  # parse and validation errors of the document itself
    if isinstance(original, ServiceError):
        return original.code
    if isinstance(original, InvalidValue):
        return "BAD_INPUT"
    if isinstance(original, InvariantViolation):
        return "INVARIANT_VIOLATION"
    if isinstance(original, Unauthenticated):
        return "UNAUTHENTICATED"
    if isinstance(original, BadInputError):
        return "BAD_INPUT"
    if isinstance(original, ValueError) and "integer string conversion" in str(original):
        return "BAD_INPUT"  # an integer literal of thousands of digits
    if isinstance(original, UNAVAILABLE_ERRORS):
        return "UNAVAILABLE"
    if isinstance(original, GraphQLError):
        return error_code(original)
    return None


INTERNAL_MESSAGE = "Internal error; it has been logged."
# graphql-core stops validating a document that spends its work budget (many fields of the
# same name to compare, fragments spread too often) and says only this.
VALIDATION_ABORTED = "Validation aborted."
TOO_COMPLEX = (
    "The document is too complex to validate (too many fields of the same name, or fragments "
    "spread too often); it was not run."
)


def code_errors(errors: list[GraphQLError], saved: Mapping[str, int] | None = None) -> None:
    """Give every outgoing error a ``code``; hide the message of internal ones (logged).

    ``saved``: root fields whose change was saved, with its position. An error there never
    says that nothing was changed. Works in place, because strawberry hands this list on as
    the response's errors.
    """
    for error in errors:
        code = error_code(error)
        extensions: dict[str, object] = {}
        if code == "UNAVAILABLE":
            log.error("database unavailable at %s: %s", error.path, error.original_error)
            error.message, extensions = _unavailable(error, saved or {})
        elif isinstance(error.original_error, AlreadyApplied):
            extensions = {"changed": "yes", "position": error.original_error.position}
        if code is None:
            log.error("internal error at %s", error.path, exc_info=error.original_error)
            error.message = INTERNAL_MESSAGE
            code = "INTERNAL"
        else:
            if error.message == VALIDATION_ABORTED:
                error.message = TOO_COMPLEX
            log.info("%s at %s: %s", code, error.path, error.message)
        error.extensions = {**(error.extensions or {}), **extensions, "code": code}


def _unavailable(error: GraphQLError, saved: Mapping[str, int]) -> tuple[str, dict[str, object]]:
    """What an UNAVAILABLE answer says about the change, and truthfully: ``changed`` is yes
    (saved before the failure), unknown (the failure came while saving) or no."""
    root = error.path[0] if error.path else None
    if isinstance(root, str) and root in saved:
        position = saved[root]
        return (
            f"The change was saved (position {position}), but reading it back failed: the "
            f"database is unavailable. Query again with consistentWith: {position}.",
            {"changed": "yes", "position": position},
        )
    changed = getattr(error.original_error, "changed", None)  # the store's: saved or not
    if changed is not None:
        return str(error.original_error), {"changed": changed}
    return (
        "The database is unavailable; nothing was changed. Retry shortly.",
        {"changed": "no"},
    )
