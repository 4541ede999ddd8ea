"""The follow-up list: mentees due for their 3-, 6- and 12-month follow-up after their round,
and the form that records one, as an outcome or as "no change".

A round ends on its cohort's end date (``endsOn``), the day the domain counts follow-ups from
(``domain/follow_ups.py``); the 3-month follow-up of a round ending on 30 April is due on
30 July. A follow-up can be recorded from its due date on, once. The list shows what is due by
a day the coordinator chooses (today unless they choose another), so the follow-ups of the
coming weeks can be planned; recording one takes it off the list, and the next one of the same
mentee comes up when its own day comes. Mentees who withdrew consent to follow-up contact are
listed with a "do not contact" note. Everything goes through the API's ``followUpsDue``,
``followUp`` and ``recordFollowUp``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.console.forms import (
    FORM_ERRORS,
    FormPage,
    form_text,
    redirect_after_post,
    show_on_get,
    submit,
)
from gateway.console.graphql_client import ApiError, NotFound, look_up, run
from gateway.console.outcomes import OUTCOME_FIELDS, incomplete, outcome_form_page
from gateway.console.pages import (
    add_navigation,
    feature_router,
    page_links,
    record_id,
    render,
    require_role,
)
from gateway.console.strings import t

router = feature_router()
add_navigation("coordinator", "nav.follow_ups", "/follow-ups")
CHECKPOINTS = {"3": "THREE_MONTHS", "6": "SIX_MONTHS", "12": "TWELVE_MONTHS"}
"""The months in a follow-up's address, by the API's ``FollowUpCheckpoint``."""
MONTHS = {name: months for months, name in CHECKPOINTS.items()}
NO_CHANGE, AN_OUTCOME = "no_change", "outcome"


def _due_by(request: Request) -> tuple[date, str | None]:
    """The day chosen in the address (today when none), and the problem with a bad one."""
    typed = request.query_params.get("due_by", "").strip()
    if not typed:
        return date.today(), None
    try:
        return date.fromisoformat(typed), None
    except ValueError:
        problem = t("error.form", message=f"{typed!r} is not a date (YYYY-MM-DD).")
        return date.today(), problem


@router.get("/follow-ups")
async def follow_ups(request: Request) -> Response:
    """The follow-ups due by the chosen day, the earliest first, 50 a page."""
    await require_role(request, "coordinator")
    due_by, problem = _due_by(request)
    recorded = request.query_params.get("recorded") == "1"
    after = request.query_params.get("after") or None
    variables = {"dueBy": due_by.isoformat(), "includeRecorded": recorded}
    try:
        data = await run(request, "FollowUpsDue", {**variables, "after": after})
    except ApiError as error:
        if error.code != "BAD_INPUT":  # a cursor not made by the API
            raise
        problem = t("error.form", message=error.message)
        data = await run(request, "FollowUpsDue", variables)
    found = data["followUpsDue"]
    kept = {"due_by": due_by.isoformat(), **({"recorded": "1"} if recorded else {})}
    return await render(
        request,
        "follow_ups/list.html",
        rows=[edge["node"] for edge in found["edges"]],
        total=found["totalCount"],
        due_by=due_by.isoformat(),
        recorded=recorded,
        links=page_links("/follow-ups", kept, found["pageInfo"], after),
        months=MONTHS,
        problem=problem,
    )


async def _follow_up(request: Request, mentee_id: str, cohort_id: str, months: str) -> Any:
    await require_role(request, "coordinator")
    if months not in CHECKPOINTS:
        raise NotFound()
    variables = {
        "menteeId": record_id(mentee_id),
        "cohortId": record_id(cohort_id),
        "checkpoint": CHECKPOINTS[months],
    }
    return (await look_up(request, "FollowUp", variables))["followUp"]


FORM: FormPage[Any] = outcome_form_page(
    "follow_ups/form.html",
    lambda follow_up: {"follow_up": follow_up, "months": MONTHS[follow_up["checkpoint"]]},
)
"""One follow-up: what it found, no change or an outcome (the record: ``FollowUp``)."""
show_on_get(router, "/follow-ups/{mentee_id}/{cohort_id}/{months}", FORM, _follow_up)


@router.post("/follow-ups/{mentee_id}/{cohort_id}/{months}")
async def record_follow_up(
    request: Request, mentee_id: str, cohort_id: str, months: str
) -> Response:
    """Record the follow-up as done today, with its outcome or as no change."""
    follow_up = await _follow_up(request, mentee_id, cohort_id, months)
    form = await request.form()
    typed = {name: form_text(form, name) for name in ("result", *OUTCOME_FIELDS)}

    async def again(problem: str) -> Response:
        return await FORM.show(request, follow_up, sent=typed, problem=problem)

    found: dict[str, Any] = {"noChange": True}
    if typed["result"] == AN_OUTCOME:
        problem = incomplete(typed)
        if problem is not None:
            return await again(problem)
        found = {"outcome": {name: typed[name] for name in OUTCOME_FIELDS}}
    elif typed["result"] != NO_CHANGE:
        return await again(t("error.form", message=t("follow_ups.choose")))
    recorded = {name: follow_up[name] for name in ("menteeId", "cohortId", "checkpoint")}
    label = t(f"follow_ups.months.{follow_up['checkpoint']}")
    message = t("follow_ups.saved", months=label, name=follow_up["menteeName"])
    return await submit(
        request,
        "FollowUpRecord",
        {"input": {**recorded, **found}},
        again=again,
        done=lambda _: redirect_after_post("/follow-ups", message),
        shown=FORM_ERRORS,
    )
