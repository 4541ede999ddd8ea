"""A mentee's outcomes with their evidence: the list, and the form that records one.

Outcomes are what funders pay for (a job in the field, a business, a licence, an exam passed,
...), each dated and with the evidence the coordinator saw, written through the API's
``recordOutcome``. Another PIN's mentee, or an unknown id, is the console's 404 page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from domain.values import OutcomeKind
from gateway.console.forms import (
    FORM_ERRORS,
    FormPage,
    Record,
    form_text,
    redirect_after_post,
    show_on_get,
    submit,
)
from gateway.console.graphql_client import look_up
from gateway.console.pages import feature_router, record_id, require_role
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


def outcome_form_page(
    template: str, values: Callable[[Record], Mapping[str, Any]]
) -> FormPage[Record]:
    """A page holding the outcome fields (``outcomes/_fields.html``), with the kinds to choose
    from and, when first shown, dated today; ``values`` are the page's own."""
    return FormPage(
        template,
        lambda record: {**values(record), "kinds": kind_options()},
        "typed",
        lambda _: {"occurredOn": date.today().isoformat()},
    )


async def _mentee(request: Request, mentee_id: str) -> dict[str, Any]:
    await require_role(request, "coordinator")
    return await look_up(request, "OutcomesOfMentee", {"id": record_id(mentee_id)})


PAGE: FormPage[dict[str, Any]] = outcome_form_page(
    "outcomes/list.html",
    lambda data: {"mentee": data["mentee"], "erased": data["personPrivacy"]["erased"]},
)
"""The mentee's outcomes and the form to record one (the record: ``OutcomesOfMentee``)."""
show_on_get(router, "/mentees/{mentee_id}/outcomes", PAGE, _mentee)


@router.post("/mentees/{mentee_id}/outcomes")
async def record_outcome(request: Request, mentee_id: str) -> Response:
    """Record an outcome; the API checks the date and the evidence."""
    await require_role(request, "coordinator")
    ident = record_id(mentee_id)
    form = await request.form()
    typed = {name: form_text(form, name) for name in OUTCOME_FIELDS}

    async def again(problem: str) -> Response:
        return await PAGE.show(request, await _mentee(request, ident), sent=typed, problem=problem)

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
