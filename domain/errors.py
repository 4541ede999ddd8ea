"""Errors the domain raises when a command would break one of the programme's rules."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error raised by the domain model."""


class InvariantViolation(DomainError):
    """The command would break a rule of the programme (a seventh mentee, a sixth session...)."""


class CrossTenantViolation(InvariantViolation):
    """The command would mix people or records of two PINs where that is not allowed."""


class InvalidValue(InvariantViolation):
    """A value a command carries is malformed (empty, too long, out of range)."""
