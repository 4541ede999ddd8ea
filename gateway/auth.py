"""Bearer tokens: HS256 JWTs whose claims name the tenant (PIN slug), role and subject."""

from __future__ import annotations

import time
from uuid import UUID

import jwt

from domain.pin import pin_id_for
from services.context import Role, TenantContext
from services.settings import Settings

PLATFORM_TENANT = UUID(int=0)
"""The tenant of platform-wide roles (network, funder, admin) that belong to no PIN."""

_PIN_ROLES = {Role.COORDINATOR, Role.MENTOR}


class Unauthenticated(Exception):
    """The request carries no valid token; the message says why, without internals."""


def issue_token(
    settings: Settings,
    *,
    role: Role,
    tenant: str | None,
    subject: str,
    ttl_seconds: int | None = None,
) -> str:
    """A signed token for local use (``mentoring token``) and tests."""
    if role in _PIN_ROLES and not tenant:
        raise ValueError(f"A {role} token needs a tenant (the PIN's slug).")
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": subject,
        "role": str(role),
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + (ttl_seconds or settings.token_ttl_seconds),
    }
    if tenant:
        claims["tenant"] = tenant
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def authenticate(settings: Settings, authorization: str | None) -> TenantContext:
    """The caller named by an ``Authorization: Bearer`` header, else ``Unauthenticated``."""
    if not authorization:
        raise Unauthenticated("A bearer token is required (Authorization: Bearer <token>).")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("The Authorization header must be 'Bearer <token>'.")
    try:
        claims = jwt.decode(
            token.strip(),
            settings.jwt_secret,
            algorithms=["HS256"],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub", "role", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("The token has expired.") from None
    except jwt.InvalidTokenError:
        raise Unauthenticated("The token is not valid.") from None
    try:
        role = Role(claims["role"])
    except ValueError:
        raise Unauthenticated("The token names an unknown role.") from None
    tenant = claims.get("tenant")
    if role in _PIN_ROLES and not isinstance(tenant, str):
        raise Unauthenticated("The token names no tenant.")
    tenant_id = pin_id_for(tenant) if isinstance(tenant, str) else PLATFORM_TENANT
    return TenantContext(tenant_id=tenant_id, role=role, actor=str(claims["sub"]))
