"""What every console page shares: the templates, the signed-in viewer, the navigation, the
route class that turns API refusals into pages, and the POST checks (Origin and CSRF).

A feature module builds its routes on ``feature_router()``, renders with ``render`` and sends
its forms with ``forms.submit``:

    router = feature_router()

    @router.get("/funder")
    async def funder_home(request: Request) -> Response:
        data = await run(request, "FunderReport")
        return await render(request, "funder/home.html", report=data["funderReport"])
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode
from uuid import UUID, uuid4

from fastapi import APIRouter
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gateway.console.graphql_client import ApiError, NotFound, Refused, SignInRequired, run
from gateway.console.session import (
    CSRF_FIELD,
    csrf_matches,
    csrf_token,
    end_session,
    same_origin,
    session_token,
)
from gateway.console.strings import t

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
FLASH_COOKIE = "mentoring_flash"
FORM_KEY_FIELD = "form_key"
"""A hidden field of every form: a value new on each page, so a form sent twice (a double
click, a retried request) changes things once (the API's Idempotency-Key)."""
PIN_ROLES = ("coordinator", "mentor")

templates = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(("html",), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.globals["t"] = t


@dataclass(frozen=True)
class Viewer:
    """Who is signed in: role, actor (a mentor's id), and for PIN roles the PIN."""

    role: str
    actor: str
    pin_slug: str | None = None
    pin_name: str | None = None


NAVIGATION: dict[str, list[tuple[str, str]]] = {
    "coordinator": [
        ("nav.home", "/"),
        ("nav.cohorts", "/cohorts"),
        ("nav.mentees", "/mentees"),
        ("nav.mentors", "/mentors"),
        ("nav.import", "/import"),
        ("nav.api_keys", "/api-keys"),
    ],
    "mentor": [("nav.home", "/")],
    "funder": [("nav.home", "/")],
    "network": [("nav.home", "/")],
    "admin": [("nav.home", "/")],
}
"""The menu of each role: (message id, path). A feature module adds its own entries with
``add_navigation`` when the console router is built."""


def add_navigation(role: str, message_id: str, path: str) -> None:
    """Add a menu entry for ``role`` (once; the order of adding is the order shown)."""
    entries = NAVIGATION.setdefault(role, [("nav.home", "/")])
    if (message_id, path) not in entries:
        entries.append((message_id, path))


async def viewer(request: Request) -> Viewer:
    """The signed-in caller (from the API's ``me`` and, for PIN roles, ``pin``); once per
    request. Raises ``SignInRequired`` when there is no valid session."""
    known: Viewer | None = getattr(request.state, "viewer", None)
    if known is not None:
        return known
    me = (await run(request, "Viewer"))["me"]
    role = str(me["role"])
    pin: dict[str, Any] = {}
    if role in PIN_ROLES:
        pin = (await run(request, "ViewerPin"))["pin"]
    found = Viewer(role, str(me["actor"]), pin.get("slug"), pin.get("name"))
    request.state.viewer = found
    return found


async def require_role(request: Request, *roles: str) -> Viewer:
    """The viewer, when their role is one of ``roles``; else the console's 403 page."""
    found = await viewer(request)
    if found.role not in roles:
        raise Refused()
    return found


async def render(
    request: Request,
    template: str,
    *,
    problem: str | None = None,
    status_code: int | None = None,
    **values: Any,
) -> HTMLResponse:
    """The page ``template`` with the frame every page shares (menu, sign-out form, the
    message left by the previous POST) and ``values``. A page showing a ``problem`` with what
    was sent answers 400 unless ``status_code`` says otherwise."""
    token = session_token(request)
    shown: Viewer | None = getattr(request.state, "viewer", None)
    kept = request.cookies.get(FLASH_COOKIE)
    flash = unquote(kept) if kept is not None else None
    body = templates.get_template(template).render(
        request=request,
        viewer=shown,
        nav=NAVIGATION.get(shown.role, []) if shown else [],
        current_path=request.url.path,
        csrf_token=csrf_token(token) if token else "",
        csrf_field=CSRF_FIELD,
        form_key=uuid4().hex,
        form_key_field=FORM_KEY_FIELD,
        flash=flash,
        problem=problem,
        **values,
    )
    if status_code is None:
        status_code = 200 if problem is None else 400
    response = HTMLResponse(body, status_code=status_code)
    if kept is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


class CsrfRefused(Exception):
    """A POST without the session's CSRF token, or from another site's page."""


async def check_post(request: Request) -> None:
    """Every state-changing console request: a same-origin form carrying the CSRF token."""
    token = session_token(request)
    if token is None:
        raise SignInRequired()
    if not same_origin(request):
        raise CsrfRefused()
    form = await request.form()
    given = form.get(CSRF_FIELD)
    if not csrf_matches(token, given if isinstance(given, str) else None):
        raise CsrfRefused()


async def message_page(request: Request, status_code: int, title: str, text: str) -> HTMLResponse:
    """A page that only says something: a refusal, or why there is nothing to show."""
    return await render(request, "message.html", status_code=status_code, title=title, text=text)


async def refusal_page(request: Request, failure: Exception) -> Response:
    """The page for an exception a console route lets through (see ``ConsoleRoute``)."""
    if isinstance(failure, SignInRequired):
        target = "/sign-in" + (
            f"?next={quote(request.url.path)}" if request.method == "GET" else ""
        )
        response = RedirectResponse(target, status_code=303)
        if session_token(request) is not None:  # a token no longer accepted: drop it
            end_session(response)
        return response
    if isinstance(failure, NotFound):
        title, text = t("error.not_found_title"), t("error.not_found")
        return await message_page(request, 404, title, text)
    if isinstance(failure, Refused):
        title, text = t("error.forbidden_title"), t("error.forbidden")
        return await message_page(request, 403, title, text)
    title, text = t("error.csrf_title"), t("error.csrf")
    return await message_page(request, 403, title, text)


class ConsoleRoute(APIRoute):
    """A console route: POSTs are checked (Origin, CSRF) before the handler runs, and the
    API's refusals become pages: sign in again, 404 "Not found" (never another PIN's data),
    403, and 503 "try again" for any other refusal the page did not handle itself."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                if request.method == "POST":
                    await check_post(request)
                return await handler(request)
            except (SignInRequired, NotFound, Refused, CsrfRefused) as failure:
                return await refusal_page(request, failure)
            except ApiError as failure:  # a refusal the page did not expect: busy, or a bug
                log.warning("console: %s answered %s", request.url.path, failure.problems)
                title, text = t("error.unavailable_title"), t("error.unavailable")
                return await message_page(request, 503, title, text)

        return console_handler


def feature_router() -> APIRouter:
    """A router for a group of console pages (HTML only: not in the OpenAPI schema)."""
    return APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def page_links(
    path: str, kept: dict[str, str], page: dict[str, Any], after: str | None
) -> dict[str, str | None]:
    """Links to a list's next page (the API's end cursor) and back to its first, keeping the
    query ``kept`` (the filters chosen)."""
    next_link = f"{path}?{urlencode({**kept, 'after': page['endCursor']})}"
    return {
        "next": next_link if page["hasNextPage"] else None,
        "first": f"{path}?{urlencode(kept)}" if after else None,
    }


def record_id(value: str) -> str:
    """The id in the address, when it is one (anything else is simply not found)."""
    try:
        return str(UUID(value))
    except ValueError:
        raise NotFound() from None
