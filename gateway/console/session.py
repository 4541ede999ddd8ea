"""The console's session: a cookie that holds the caller's bearer token, and its CSRF token.

The cookie is the only credential the console keeps; every page turns it back into the
``Authorization: Bearer`` header that the GraphQL endpoint checks (``graphql_client.run``),
so the console is refused exactly what the token is refused.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import HTTPConnection
from starlette.responses import Response

from services.settings import Environment, Settings

COOKIE = "mentoring_session"
CSRF_FIELD = "csrf_token"
"""The name of the hidden field every console form carries."""
_CSRF_PURPOSE = b"mentoring-console-csrf-v1"


def _secure(settings: Settings | None) -> bool:
    return settings is None or settings.environment != Environment.DEVELOPMENT


def start_session(
    response: Response, token: str, settings: Settings | None = None, max_age: int | None = None
) -> None:
    """Sign the browser in: the session cookie holds ``token`` (HttpOnly, SameSite=Lax, Path=/,
    Secure unless ``settings`` say development; without settings it is Secure)."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
    )


def end_session(response: Response) -> None:
    """Sign the browser out: the session cookie is deleted."""
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


def session_token(request: HTTPConnection) -> str | None:
    """The bearer token of the browser's session, or None when it is not signed in."""
    token = request.cookies.get(COOKIE)
    return token.strip() or None if token else None


def csrf_token(token: str) -> str:
    """The CSRF token of the session ``token``: an HMAC keyed by the session's own secret, so it
    needs no server state, holds across gateway processes, and no other site can compute it."""
    return hmac.new(token.encode(), _CSRF_PURPOSE, hashlib.sha256).hexdigest()


def csrf_matches(token: str, given: str | None) -> bool:
    """Whether ``given`` is the CSRF token of the session ``token`` (compared in constant time)."""
    return given is not None and hmac.compare_digest(csrf_token(token), given)


def same_origin(request: HTTPConnection) -> bool:
    """False when the request names an ``Origin`` other than the console's own; True when it
    names none (older browsers, same-origin GETs): the CSRF token still has to match."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin.rstrip("/") in (f"http://{host}", f"https://{host}")
