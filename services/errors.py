"""Errors of the application layer; each has a stable code the gateway passes on."""

from __future__ import annotations


class ServiceError(Exception):
    code = "INTERNAL"


class NotFound(ServiceError):
    """Unknown id, or an id of another PIN: the two are indistinguishable on purpose."""

    code = "NOT_FOUND"

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"No {kind} with id {ident}.")


class Conflict(ServiceError):
    """Someone changed the same record at the same time; retrying the command is safe."""

    code = "CONFLICT"


class Forbidden(ServiceError):
    code = "FORBIDDEN"


class BadInput(ServiceError):
    code = "BAD_INPUT"
