"""Signing in and out: the sign-in page, development sign-in links, and sign-out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gateway.console.forms import redirect_after_post
from gateway.console.graphql_client import accepts, api_of
from gateway.console.pages import feature_router, message_page, render
from gateway.console.session import end_session, start_session
from gateway.console.strings import t
from services.settings import Environment

router = feature_router()


@router.get("/sign-in")
async def sign_in(request: Request) -> Response:
    """The sign-in page: with OpenID Connect configured, a link to the organisation's
    provider; in development, a pointer to the links `mentoring demo` prints."""
    settings = api_of(request).settings
    return await render(
        request,
        "sign_in.html",
        oidc=getattr(settings, "oidc_issuer", None) is not None,
        development=settings.environment == Environment.DEVELOPMENT,
    )


@router.get("/auth/dev")
async def development_sign_in(request: Request, token: str = "") -> Response:
    """A one-click sign-in link of the demo: the token is checked as /graphql checks it, then
    kept in the session cookie. Refused (404) outside the development environment."""
    settings = api_of(request).settings
    if settings.environment != Environment.DEVELOPMENT:
        title, text = t("sign_in.dev_refused_title"), t("sign_in.dev_refused")
        return await message_page(request, 404, title, text)
    if not token.strip() or not await accepts(request, token.strip()):
        return await message_page(request, 401, t("sign_in.title"), t("sign_in.bad_link"))
    response = RedirectResponse("/", status_code=303)
    start_session(response, token.strip(), settings)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    """End the session (a POST with the CSRF token, like every change)."""
    response = redirect_after_post("/sign-in", t("sign_out.done"))
    end_session(response)
    return response
