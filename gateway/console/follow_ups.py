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
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from gateway.console.graphql_client import ApiError, NotFound, look_up, run
from gateway.console.outcomes import FORM_ERRORS, KINDS, record_id
from gateway.console.pages import (
    add_navigation,
    feature_router,
    form_text,
    idempotency_key,
    redirect_after_post,
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
    page = found["pageInfo"]
    links = {
        "next": (
            f"/follow-ups?{urlencode({**kept, 'after': page['endCursor']})}"
            if page["hasNextPage"]
            else None
        ),
        "first": f"/follow-ups?{urlencode(kept)}" if after else None,
    }
    return await render(
        request,
        "follow_ups/list.html",
        status_code=400 if problem else 200,
        rows=[edge["node"] for edge in found["edges"]],
        total=found["totalCount"],
        due_by=due_by.isoformat(),
        recorded=recorded,
        links=links,
        months=MONTHS,
        problem=problem,
    )


async def _follow_up(request: Request, mentee_id: str, cohort_id: str, months: str) -> Any:
    if months not in CHECKPOINTS:
        raise NotFound()
    variables = {
        "menteeId": record_id(mentee_id),
        "cohortId": record_id(cohort_id),
        "checkpoint": CHECKPOINTS[months],
    }
    return (await look_up(request, "FollowUp", variables))["followUp"]


async def _form(
    request: Request,
    follow_up: Any,
    *,
    typed: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    return await render(
        request,
        "follow_ups/form.html",
        status_code=status_code,
        follow_up=follow_up,
        months=MONTHS[follow_up["checkpoint"]],
        kinds=[(kind, t("outcome." + kind)) for kind in KINDS],
        typed=typed or {"occurredOn": date.today().isoformat()},
        problem=problem,
    )


@router.get("/follow-ups/{mentee_id}/{cohort_id}/{months}")
async def follow_up_form(request: Request, mentee_id: str, cohort_id: str, months: str) -> Response:
    """One follow-up: what it found, no change or an outcome."""
    await require_role(request, "coordinator")
    return await _form(request, await _follow_up(request, mentee_id, cohort_id, months))


@router.post("/follow-ups/{mentee_id}/{cohort_id}/{months}")
async def record_follow_up(
    request: Request, mentee_id: str, cohort_id: str, months: str
) -> Response:
    """Record the follow-up as done today, with its outcome or as no change."""
    await require_role(request, "coordinator")
    follow_up = await _follow_up(request, mentee_id, cohort_id, months)
    form = await request.form()
    typed = {name: form_text(form, name) for name in ("result", "kind", "occurredOn", "evidence")}
    found: dict[str, Any] = {"noChange": True}
    if typed["result"] == AN_OUTCOME:
        if typed["kind"] not in KINDS or not typed["occurredOn"] or not typed["evidence"]:
            problem = t("error.form", message=t("outcomes.missing"))
            return await _form(request, follow_up, typed=typed, problem=problem, status_code=400)
        found = {"outcome": {name: typed[name] for name in ("kind", "occurredOn", "evidence")}}
    elif typed["result"] != NO_CHANGE:
        problem = t("error.form", message=t("follow_ups.choose"))
        return await _form(request, follow_up, typed=typed, problem=problem, status_code=400)
    variables = {
        "input": {
            "menteeId": follow_up["menteeId"],
            "cohortId": follow_up["cohortId"],
            "checkpoint": follow_up["checkpoint"],
            **found,
        }
    }
    try:
        await run(
            request, "FollowUpRecord", variables, idempotency_key=idempotency_key(request, form)
        )
    except ApiError as error:
        if error.code not in FORM_ERRORS:
            raise
        problem = t("error.form", message=error.message)
        return await _form(request, follow_up, typed=typed, problem=problem, status_code=400)
    label = t(f"follow_ups.months.{follow_up['checkpoint']}")
    return redirect_after_post(
        "/follow-ups", t("follow_ups.saved", months=label, name=follow_up["menteeName"])
    )
