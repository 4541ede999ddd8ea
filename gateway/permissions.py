"""Who may read a field, as strawberry permission classes.

A refusal says which role was refused (FORBIDDEN), or that no one signed in
(UNAUTHENTICATED): ``RequestContext.reader`` raises either, so every field refuses alike.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission

from gateway.context import PERSONAL_DATA_ROLES
from gateway.types import Ctx
from services.context import Role


class _Roles(BasePermission):
    roles: ClassVar[tuple[Role, ...]]

    def has_permission(self, source: Any, info: Ctx, **kwargs: Any) -> bool:
        info.context.reader(*self.roles)  # raises the refusal, naming the caller's role
        return True


class PersonalData(_Roles):
    """A PIN's coordinators and mentors: the people's records."""

    roles = PERSONAL_DATA_ROLES


class Coordinators(_Roles):
    roles = (Role.COORDINATOR,)


class Admins(_Roles):
    roles = (Role.ADMIN,)


class SignedIn(_Roles):
    """Any role: the caller need only be authenticated."""

    roles = tuple(Role)


class ProofReaders(_Roles):
    """Audit checkpoints and proofs: funders, and coordinators (their own trees)."""

    roles = (Role.FUNDER, Role.COORDINATOR)


class ReportReaders(_Roles):
    """Funder reports: funders and network operators, and coordinators (their own PIN)."""

    roles = (Role.FUNDER, Role.NETWORK, Role.COORDINATOR)
