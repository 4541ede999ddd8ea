"""A mentee's outcomes with their evidence: the list, and the form that records one.

Outcomes are what funders pay for (a job in the field, a business, a licence, an exam passed,
...), each dated and with the evidence the coordinator saw, written through the API's
``recordOutcome``. Another PIN's mentee, or an unknown id, is the console's 404 page.
"""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from domain.values import OutcomeKind
from gateway.console.forms import FORM_ERRORS, form_text, redirect_after_post, submit
from gateway.console.graphql_client import look_up
from gateway.console.pages import feature_router, record_id, render, require_role
from gateway.console.strings import t

router = feature_router()
KINDS = [kind.name for kind in OutcomeKind]
"""The API's ``OutcomeKind`` values, in the domain's order."""
OUTCOME_FIELDS = ("kind", "occurredOn", "evidence")


def kind_options() -> list[tuple[str, str]]:
    """The outcome kinds as a select's options: value and label."""
    return [(kind, t("outcome." + kind)) for kind in KINDS]


def incomplete(typed: dict[str, str]) -> str | None:
    """The problem with an outcome typed without a known kind, its date or its evidence."""
    if typed["kind"] not in KINDS or not typed["occurredOn"] or not typed["evidence"]:
        return t("error.form", message=t("outcomes.missing"))
    return None


async def _page(
    request: Request,
    mentee_id: str,
    *,
    typed: dict[str, str] | None = None,
    problem: str | None = None,
) -> Response:
    data = await look_up(request, "OutcomesOfMentee", {"id": record_id(mentee_id)})
    return await render(
        request,
        "outcomes/list.html",
        mentee=data["mentee"],
        erased=data["personPrivacy"]["erased"],
        kinds=kind_options(),
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
    typed = {name: form_text(form, name) for name in OUTCOME_FIELDS}

    async def again(problem: str) -> Response:
        return await _page(request, ident, typed=typed, problem=problem)

    problem = incomplete(typed)
    if problem is not None:
        return await again(problem)
    message = t("outcomes.recorded", kind=t("outcome." + typed["kind"]), date=typed["occurredOn"])
    return await submit(
        request,
        "OutcomeRecord",
        {"input": {"menteeId": ident, **typed}},
        again=again,
        done=lambda _: redirect_after_post(f"/mentees/{ident}/outcomes", message),
        shown=FORM_ERRORS,
    )
