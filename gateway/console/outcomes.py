"""A mentee's outcomes with their evidence: the list, and the form that records one.

Outcomes are what funders pay for (a job in the field, a business, a licence, an exam passed,
...), each dated and with the evidence the coordinator saw, written through the API's
``recordOutcome``. Another PIN's mentee, or an unknown id, is the console's 404 page.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from domain.values import OutcomeKind
from gateway.console.graphql_client import ApiError, NotFound, look_up, run
from gateway.console.pages import (
    feature_router,
    form_text,
    idempotency_key,
    redirect_after_post,
    render,
    require_role,
)
from gateway.console.strings import t

router = feature_router()
KINDS = [kind.name for kind in OutcomeKind]
"""The API's ``OutcomeKind`` values, in the domain's order."""
FORM_ERRORS = ("BAD_INPUT", "INVARIANT_VIOLATION")
"""Refusals shown next to the form that caused them (nothing was saved)."""


def record_id(value: str) -> str:
    """The id in the address, when it is one (anything else is simply not found)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound() from None


async def _page(
    request: Request,
    mentee_id: str,
    *,
    typed: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    data = await look_up(request, "OutcomesOfMentee", {"id": record_id(mentee_id)})
    return await render(
        request,
        "outcomes/list.html",
        status_code=status_code,
        mentee=data["mentee"],
        erased=data["personPrivacy"]["erased"],
        kinds=[(kind, t("outcome." + kind)) for kind in KINDS],
        typed=typed or {"occurredOn": date.today().isoformat()},
        problem=problem,
    )


@router.get("/mentees/{mentee_id}/outcomes")
async def outcomes(request: Request, mentee_id: str) -> Response:
    """The mentee's outcomes, and the form to record one."""
    await require_role(request, "coordinator")
    return await _page(request, mentee_id)


@router.post("/mentees/{mentee_id}/outcomes")
async def record_outcome(request: Request, mentee_id: str) -> Response:
    """Record an outcome; the API checks the date and the evidence."""
    await require_role(request, "coordinator")
    ident = record_id(mentee_id)
    form = await request.form()
    typed = {name: form_text(form, name) for name in ("kind", "occurredOn", "evidence")}
    if typed["kind"] not in KINDS or not typed["occurredOn"] or not typed["evidence"]:
        problem = t("error.form", message=t("outcomes.missing"))
        return await _page(request, ident, typed=typed, problem=problem, status_code=400)
    variables: dict[str, Any] = {"input": {"menteeId": ident, **typed}}
    try:
        await run(
            request, "OutcomeRecord", variables, idempotency_key=idempotency_key(request, form)
        )
    except ApiError as error:
        if error.code not in FORM_ERRORS:
            raise  # not found, refused, busy: the console's own pages
        problem = t("error.form", message=error.message)
        return await _page(request, ident, typed=typed, problem=problem, status_code=400)
    message = t("outcomes.recorded", kind=t("outcome." + typed["kind"]), date=typed["occurredOn"])
    return redirect_after_post(f"/mentees/{ident}/outcomes", message)
