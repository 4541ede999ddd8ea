"""Signing in with OpenID Connect: the authorization code flow with PKCE (S256), state and
nonce, against the organisation's identity provider (docs/adr/0011-oidc-sign-in.md).

``/auth/login`` sends the browser to the provider. ``/auth/callback`` takes the code back,
exchanges it for tokens (with the PKCE verifier and the client's secret), checks the ID token
(signature, issuer, audience, expiry, nonce) and checks the access token as /graphql checks
every bearer token, then starts the console's session with the access token. Between the two,
state, nonce and verifier travel in a short-lived cookie that the gateway signs: no server-side
store, so any gateway process can finish a sign-in that another one began.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

import httpx2
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import BaseApp
from authlib.integrations.base_client.async_app import AsyncOAuth2Mixin
from authlib.integrations.base_client.async_openid import AsyncOpenIDMixin
from authlib.integrations.httpx_client import AsyncOAuth2Client
from fastapi import APIRouter
from joserfc.errors import JoseError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gateway.auth import Unauthenticated
from gateway.console.pages import render
from gateway.console.session import start_session
from gateway.console.strings import t
from services.settings import Environment, Settings

log = logging.getLogger(__name__)

FLOW_COOKIE = "mentoring_oidc"
"""Holds one sign-in's state, nonce and PKCE verifier between /auth/login and /auth/callback."""
FLOW_SECONDS = 600
"""How long a sign-in may take at the provider."""
CALLBACK_PATH = "/auth/callback"
_FLOW_PURPOSE = b"mentoring-oidc-flow-v1"


class FlowSigner:
    """Signs the flow cookie (HMAC-SHA256) and reads it back only unchanged and in time."""

    def __init__(self, key: bytes, lifetime: float = FLOW_SECONDS) -> None:
        self._key = key
        self._lifetime = lifetime

    def dumps(self, data: dict[str, str]) -> str:
        body = _b64(json.dumps({**data, "exp": time.time() + self._lifetime}).encode())
        return f"{body}.{_b64(self._mac(body))}"

    def loads(self, value: str | None) -> dict[str, Any] | None:
        """The data, or None when the cookie is missing, altered, malformed or expired."""
        body, _, mac = (value or "").partition(".")
        try:
            valid = hmac.compare_digest(_unb64(mac), self._mac(body))
            data = json.loads(_unb64(body)) if valid else None
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("exp"), float | int):
            return None
        return data if time.time() < data["exp"] else None

    def _mac(self, body: str) -> bytes:
        return hmac.new(self._key, body.encode(), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def flow_key(settings: Settings) -> bytes:
    """The key of the flow cookie: derived from the client's secret, so every gateway process
    has the same one; without a secret (a public client, development only) a key of this
    process, so a sign-in must end at the process where it began."""
    if settings.oidc_client_secret:
        return hmac.new(settings.oidc_client_secret.encode(), _FLOW_PURPOSE, "sha256").digest()
    return secrets.token_bytes(32)


class Provider(AsyncOAuth2Mixin, AsyncOpenIDMixin, BaseApp):  # type: ignore[misc]
    """Authlib's OpenID Connect client, framework-free: the flow's data is kept by the caller."""

    client_cls = AsyncOAuth2Client


def provider_of(settings: Settings) -> Provider:
    """The client of the provider ``settings.oidc_issuer`` names (metadata read on first use)."""
    issuer = issuer_of(settings)
    client_kwargs: dict[str, Any] = {
        "scope": settings.oidc_scopes,
        "code_challenge_method": "S256",
        "timeout": 10.0,
    }
    if not settings.oidc_client_secret:
        # A public client (development): PKCE alone.
        client_kwargs["token_endpoint_auth_method"] = "none"  # noqa: S105
    return Provider(
        None,
        name="oidc",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs=client_kwargs,
    )


def issuer_of(settings: Settings) -> str:
    return (settings.oidc_issuer or "").rstrip("/")


class ProviderMismatch(Exception):
    """The provider's metadata names another issuer than the configured one."""


def oidc_router(
    settings: Settings, authenticate: Callable[[str], object] | None = None
) -> APIRouter:
    """``/auth/login`` and ``/auth/callback`` against ``settings.oidc_issuer``.

    ``authenticate`` (the gateway's ``Authenticator``) checks the access token before the
    session starts, so a person the platform cannot accept (no role, no PIN) is told why at
    once rather than on every page.
    """
    router = APIRouter(include_in_schema=False)
    provider = provider_of(settings)
    issuer = issuer_of(settings)
    signer = FlowSigner(flow_key(settings))

    def secure(redirect_uri: str) -> bool:
        return settings.environment != Environment.DEVELOPMENT or redirect_uri.startswith(
            "https://"
        )

    async def metadata() -> dict[str, Any]:
        loaded: dict[str, Any] = await provider.load_server_metadata()
        if str(loaded.get("issuer", "")).rstrip("/") != issuer:
            provider.server_metadata.clear()  # read it again next time
            raise ProviderMismatch(f"the provider names the issuer {loaded.get('issuer')!r}")
        return loaded

    async def page(request: Request, status: int, message_id: str, **values: object) -> Response:
        text = t(message_id, **values)
        response = await render(
            request, "message.html", status_code=status, title=t("oidc.title"), text=text
        )
        response.delete_cookie(FLOW_COOKIE, path=CALLBACK_PATH)
        return response

    @router.get("/auth/login")
    async def login(request: Request) -> Response:
        """Send the browser to the provider, with a fresh state, nonce and PKCE challenge."""
        redirect_uri = settings.oidc_redirect_url or str(request.url_for("oidc_callback"))
        try:
            await metadata()
            begun = await provider.create_authorization_url(redirect_uri)
        except (httpx2.HTTPError, ValueError, ProviderMismatch) as failure:
            log.warning("OIDC sign-in: the provider's metadata: %s", failure)
            return await page(request, 503, "oidc.unavailable")
        flow = {
            "state": begun["state"],
            "nonce": begun["nonce"],
            "code_verifier": begun["code_verifier"],
            "redirect_uri": redirect_uri,
        }
        response = RedirectResponse(begun["url"], status_code=302)
        response.set_cookie(
            FLOW_COOKIE,
            signer.dumps(flow),
            max_age=FLOW_SECONDS,
            path=CALLBACK_PATH,
            httponly=True,
            samesite="lax",  # sent on the provider's top-level redirect back
            secure=secure(redirect_uri),
        )
        return response

    @router.get(CALLBACK_PATH, name="oidc_callback")
    async def callback(request: Request) -> Response:
        """Finish the sign-in the flow cookie describes; anything else is refused."""
        query = request.query_params
        flow = signer.loads(request.cookies.get(FLOW_COOKIE))
        if query.get("error"):
            reason = query.get("error_description") or query["error"]
            return await page(request, 401, "oidc.refused", reason=reason[:200])
        if flow is None:
            return await page(request, 400, "oidc.expired")
        if not hmac.compare_digest(
            str(flow.get("state", "")).encode(), query.get("state", "").encode()
        ):
            return await page(request, 400, "oidc.state")
        # RFC 9207: a provider that names itself must be the one the sign-in went to.
        if "iss" in query and query["iss"].rstrip("/") != issuer:
            return await page(request, 400, "oidc.state")
        if not query.get("code"):
            return await page(request, 400, "oidc.exchange")
        try:
            await metadata()
            token = await provider.fetch_access_token(
                redirect_uri=flow["redirect_uri"],
                code=query["code"],
                code_verifier=flow["code_verifier"],
            )
        except (httpx2.HTTPError, ProviderMismatch) as failure:
            log.warning("OIDC sign-in: the token endpoint: %s", failure)
            return await page(request, 503, "oidc.unavailable")
        except (AuthlibBaseError, ValueError) as failure:
            log.info("OIDC sign-in: the code was not exchanged: %s", failure)
            return await page(request, 401, "oidc.exchange")
        try:
            # Authlib checks the audience only when told to: the ID token must be ours.
            expected = {
                "iss": {"essential": True, "value": (await metadata())["issuer"]},
                "aud": {"essential": True, "value": settings.oidc_client_id},
            }
            await provider.parse_id_token(
                token, nonce=flow["nonce"], claims_options=expected, leeway=60
            )
        except (JoseError, AuthlibBaseError, ValueError, KeyError) as failure:
            log.info("OIDC sign-in: the ID token was refused: %s", failure)
            return await page(request, 401, "oidc.id_token")
        access_token = str(token.get("access_token") or "")
        if authenticate is not None:
            try:
                await run_in_threadpool(authenticate, f"Bearer {access_token}")
            except Unauthenticated as refusal:
                return await page(request, 403, "oidc.not_accepted", reason=str(refusal))
        response = RedirectResponse("/", status_code=303)
        expires_in = token.get("expires_in")
        start_session(
            response,
            access_token,
            settings,
            max_age=int(expires_in) if isinstance(expires_in, int | float) else None,
        )
        response.delete_cookie(FLOW_COOKIE, path=CALLBACK_PATH)
        return response

    return router
