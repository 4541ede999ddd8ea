"""Sending a console form, the same way on every page: read its fields, run its mutation
once (the form's Idempotency-Key), then redirect with a message for the next page (POST,
redirect, GET), or show the form again with the API's refusal next to it (400, nothing saved).

    return await submit(
        request,
        "ProposalReject",
        {"proposalId": proposal["id"]},
        again=lambda problem: PROPOSAL_PAGE.show(request, proposal, problem=problem),
        done=lambda _: redirect_after_post(back, t("proposal.rejected")),
    )
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gateway.console.graphql_client import ApiError, NotFound, Refused, SignInRequired, run
from gateway.console.pages import FLASH_COOKIE, FORM_KEY_FIELD, render
from gateway.console.strings import t

PAGES = (NotFound, Refused, SignInRequired)
"""Refusals shown as the console's own pages (404, 403, sign in), never next to a form."""
FORM_ERRORS = ("BAD_INPUT", "INVARIANT_VIOLATION")
"""Refusals of what was typed: shown next to the form where a page names only these."""

Again = Callable[[str], Awaitable[Response]]
"""The page of the form again, with the problem (already worded for people) next to it."""
Record = TypeVar("Record")


def form_text(form: Any, name: str) -> str:
    """A text field of a submitted form, stripped ('' when absent or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def idempotency_key(request: Request, form: Any) -> str | None:
    """The Idempotency-Key of a submitted form: its page's form key and the form's action, so
    each form of a page is a request of its own."""
    key = form_text(form, FORM_KEY_FIELD)
    if not key.isalnum() or len(key) > 64:
        return None
    return f"console:{key}:{request.url.path}"


def redirect_after_post(path: str, message: str | None = None) -> RedirectResponse:
    """POST, then redirect, then GET: ``message`` is shown once on the next page."""
    response = RedirectResponse(path, status_code=303)
    if message is not None:
        # Percent-encoded: a cookie carries ASCII only, and names are often not ASCII.
        response.set_cookie(FLASH_COOKIE, quote(message), max_age=60, path="/", httponly=True)
    return response


def problem_of(error: ApiError) -> str:
    """An API refusal as the line shown above the form."""
    return t("error.form", message=error.message)


async def submit(
    request: Request,
    operation: str,
    variables: Mapping[str, Any],
    *,
    again: Again,
    done: Callable[[dict[str, Any]], Response | Awaitable[Response]],
    shown: Collection[str] | None = None,
    key_suffix: str = "",
) -> Response:
    """Run ``operation`` with the submitted form's Idempotency-Key (plus ``key_suffix``, for
    a page whose one form sends several things); ``done`` with its data, or ``again`` with the
    refusal when it is one of the ``shown`` codes (any but the console's own pages when None)."""
    key = idempotency_key(request, await request.form())
    try:
        data = await run(
            request, operation, variables, idempotency_key=f"{key}{key_suffix}" if key else None
        )
    except PAGES:
        raise  # the console's own pages: 404, 403, sign in again
    except ApiError as error:
        if shown is not None and error.code not in shown:
            raise  # busy, or a bug: the console's 503 page
        return await again(problem_of(error))
    answer = done(data)
    return answer if isinstance(answer, Response) else await answer


@dataclass(frozen=True)
class FormPage(Generic[Record]):
    """A page about one record that holds a form: shown first with the form as ``blank`` fills
    it, and again after a refusal with what was sent and the problem next to the form.

        PAGE = FormPage("groups/group.html", lambda group: {"group": group}, "values", blank)
        show_on_get(router, "/groups/{group_id}", PAGE, group_of)  # GET: blank(group)
        again=lambda problem: PAGE.show(request, group, sent=values, problem=problem)
    """

    template: str
    values: Callable[[Record], Mapping[str, Any]]
    """The page's values, from its record."""
    kept: str | None = None
    """The name of the form's values in the template (None: the page keeps none)."""
    blank: Callable[[Record], Any] = lambda _: {}
    """The form's values when the page is first shown."""

    async def show(
        self, request: Request, record: Record, *, sent: Any = None, problem: str | None = None
    ) -> Response:
        """The page; after a refusal, with the form's values as ``sent`` and the ``problem``."""
        values = dict(self.values(record))
        if self.kept is not None:
            values[self.kept] = self.blank(record) if sent is None else sent
        return await render(request, self.template, problem=problem, **values)


def show_on_get(
    router: APIRouter, path: str, page: FormPage[Record], find: Callable[..., Awaitable[Record]]
) -> None:
    """Serve ``page`` at ``path`` (GET) about the record ``find`` reads with the address's
    parameters; ``find`` checks the viewer's role (an unknown id, or another PIN's, is 404)."""

    async def show(request: Request) -> Response:
        return await page.show(request, await find(request, **request.path_params))

    router.add_api_route(path, show, methods=["GET"])
