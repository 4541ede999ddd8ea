"""Who is calling: bearer JWTs (HS256 locally, RS256 with a key or JWKS in production) and
API keys that a PIN's coordinator issued to machine clients."""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import jwt

from domain.pin import pin_id_for
from projections import queries as q
from projections.database import ReadModels
from projections.privacy.queries import privacy_of
from services.access import parse_key, secret_hash
from services.context import Role, TenantContext
from services.settings import Settings

PLATFORM_TENANT = UUID(int=0)
"""The tenant of platform-wide roles (network, funder, admin) that belong to no PIN."""

_PIN_ROLES = {Role.COORDINATOR, Role.MENTOR}
_ROLE_NAMES = frozenset(str(role) for role in Role)

MENTOR_RECHECK_SECONDS = 5.0
"""How long a mentor found active is believed so without asking the read models again: a
mentor's requests then cost one indexed lookup per few seconds, and an erasure refuses their
tokens that much later (plus the projection's lag) at most."""
MENTORS_REMEMBERED = 4096


class Unauthenticated(Exception):
    """The request carries no valid credentials; the message says why, without internals."""


def issue_token(
    settings: Settings,
    *,
    role: Role,
    tenant: str | None,
    subject: str,
    ttl_seconds: int | None = None,
) -> str:
    """A signed HS256 token for local use (``mentoring token``) and tests."""
    if role in _PIN_ROLES and not tenant:
        raise ValueError(f"A {role} token needs a tenant (the PIN's slug).")
    if role == Role.MENTOR and not _is_canonical_id(subject):
        raise ValueError(
            "A mentor token's subject must be the mentor's id (--subject ID): the gateway "
            "refuses a mentor token that names anyone else."
        )
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


class Authenticator:
    """Turns an ``Authorization`` header into a ``TenantContext``, or ``Unauthenticated``."""

    def __init__(self, settings: Settings, read_models: ReadModels) -> None:
        self._settings = settings
        self._read_models = read_models
        self._known_pins: set[UUID] = set()
        self._active_mentors: dict[tuple[UUID, str], float] = {}  # -> monotonic time to recheck
        self._mentors_lock = threading.Lock()
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None

    def __call__(self, authorization: str | None) -> TenantContext:
        if not authorization:
            raise Unauthenticated("A bearer token is required (Authorization: Bearer <token>).")
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise Unauthenticated("The Authorization header must be 'Bearer <token>'.")
        if parse_key(credential) is not None:
            return self._api_key(credential)
        return self._token(credential)

    def _api_key(self, presented: str) -> TenantContext:
        parsed = parse_key(presented)
        assert parsed is not None
        key_id, secret = parsed
        with self._read_models.reading() as conn:
            row = q.api_key(conn, str(key_id))
        valid = row is not None and hmac.compare_digest(row.secret_hash, secret_hash(secret))
        if not valid or row is None or row.revoked:
            raise Unauthenticated("The API key is not valid.")
        if row.expires_at and time.time() > _timestamp(row.expires_at):
            raise Unauthenticated("The API key has expired.")
        return TenantContext(UUID(row.tenant_id), Role(row.role), actor=f"apikey:{key_id}")

    def _verification_key(self, token: str) -> Any:
        settings = self._settings
        if settings.jwt_algorithm == "HS256":
            return settings.jwt_secret
        if self._jwks is not None:
            return self._jwks.get_signing_key_from_jwt(token).key
        if settings.jwt_public_key:
            return settings.jwt_public_key
        raise Unauthenticated("The gateway has no key to verify RS256 tokens with.")

    def _token(self, token: str) -> TenantContext:
        settings = self._settings
        try:
            claims = jwt.decode(
                token,
                self._verification_key(token),
                algorithms=[settings.jwt_algorithm],
                audience=settings.jwt_audience,
                issuer=settings.jwt_issuer,
                options={"require": ["exp", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("The token has expired.") from None
        except (jwt.InvalidTokenError, jwt.PyJWKClientError):
            raise Unauthenticated("The token is not valid.") from None
        role = token_role(claims, settings.oidc_role_claim)
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.strip():
            raise Unauthenticated("The token names no subject.")
        tenant = claim(claims, settings.oidc_tenant_claim)
        if role in _PIN_ROLES and not isinstance(tenant, str):
            raise Unauthenticated(
                f"The token names no tenant (the PIN of a {role}; claim "
                f"'{settings.oidc_tenant_claim}')."
            )
        # Platform roles belong to no PIN, whatever the token claims: they never read a PIN's
        # own rows.
        tenant_id = (
            pin_id_for(tenant)
            if role in _PIN_ROLES and isinstance(tenant, str)
            else PLATFORM_TENANT
        )
        if role in _PIN_ROLES and not self._pin_exists(tenant_id):
            raise Unauthenticated("The token is not valid.")
        # A mentor token reads as its subject's groups; a subject that is no mentor of the PIN
        # (any more) gets the answer of any bad token, which tells nothing about who exists.
        if role == Role.MENTOR and not self._mentor_is_active(tenant_id, subject):
            raise Unauthenticated("The token is not valid.")
        return TenantContext(tenant_id=tenant_id, role=role, actor=str(claims["sub"]))

    def _pin_exists(self, tenant_id: UUID) -> bool:
        """PINs are never removed, so a PIN once seen stays known."""
        if tenant_id not in self._known_pins:
            with self._read_models.reading() as conn:
                if q.pin(conn, str(tenant_id)) is None:
                    return False
            self._known_pins.add(tenant_id)
        return True

    def _mentor_is_active(self, tenant_id: UUID, subject: str) -> bool:
        """Whether ``subject`` (a mentor's id, as the read models spell it) is a mentor of the
        PIN, not erased. Remembered for ``MENTOR_RECHECK_SECONDS`` when it is; never when not,
        so made-up subjects fill no memory and a mentor enrolled a moment ago is let in."""
        if not _is_canonical_id(subject):
            return False
        key, now = (tenant_id, subject), time.monotonic()
        with self._mentors_lock:
            if self._active_mentors.get(key, 0.0) > now:
                return True
        with self._read_models.reading(str(tenant_id)) as conn:
            person = privacy_of(conn, str(tenant_id), subject)
        active = person is not None and person.kind == "mentor" and person.erased_at is None
        with self._mentors_lock:
            self._active_mentors.pop(key, None)
            if active:
                if len(self._active_mentors) >= MENTORS_REMEMBERED:
                    del self._active_mentors[next(iter(self._active_mentors))]  # the oldest
                self._active_mentors[key] = now + MENTOR_RECHECK_SECONDS
        return active


def claim(claims: Mapping[str, Any], name: str) -> Any:
    """The claim ``name`` of a token, or None: a top-level claim of that name, else a nested
    one whose path the dots spell (``realm_access.roles``)."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def token_role(claims: Mapping[str, Any], name: str) -> Role:
    """The role the claim ``name`` names: a role's name, or a list holding exactly one (a
    provider's list of roles may hold others of its own, which are ignored)."""
    value = claim(claims, name)
    if value is None:
        raise Unauthenticated(f"The token names no role (claim '{name}').")
    if isinstance(value, list):
        known = {item for item in value if isinstance(item, str) and item in _ROLE_NAMES}
        if len(known) != 1:
            raise Unauthenticated(f"The token does not name exactly one role (claim '{name}').")
        value = known.pop()
    if not isinstance(value, str) or value not in _ROLE_NAMES:
        raise Unauthenticated("The token names an unknown role.")
    return Role(value)


def _is_canonical_id(subject: str) -> bool:
    """A UUID spelt as the platform spells ids (lower case, with dashes)."""
    try:
        return str(UUID(subject)) == subject
    except ValueError:
        return False


def _timestamp(moment: datetime) -> float:
    """Seconds since the epoch; a time without a timezone (keys issued before expiries had to
    name one) is read as UTC, the same on every gateway."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
