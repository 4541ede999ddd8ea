"""Cohorts (rounds): the list, planning one, opening it, and closing it after a confirmation."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.console.graphql_client import ApiError, look_up, run
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
PLAN_FIELDS = ("name", "startsOn", "endsOn", "plannedSessions", "minGroupSize", "maxGroupSize")
PLAN_DEFAULTS = {"plannedSessions": "5", "minGroupSize": "5", "maxGroupSize": "6"}


async def _cohorts_page(
    request: Request, *, values: dict[str, str], problem: str | None = None, status: int = 200
) -> Response:
    after = request.query_params.get("after") or None
    data = await run(request, "Cohorts", {"after": after})
    return await render(
        request,
        "coordinator/cohorts.html",
        status_code=status,
        cohorts=[edge["node"] for edge in data["cohorts"]["edges"]],
        total=data["cohorts"]["totalCount"],
        page=data["cohorts"]["pageInfo"],
        values=values,
        problem=problem,
    )


@router.get("/cohorts")
async def cohorts(request: Request) -> Response:
    """Every cohort of the PIN, with the form to plan another."""
    await require_role(request, "coordinator")
    return await _cohorts_page(request, values=dict(PLAN_DEFAULTS))


def _plan_input(values: dict[str, str]) -> dict[str, Any]:
    """The planCohort input from the form; a number that is not one is the API's to refuse."""
    planned: dict[str, Any] = {"name": values["name"]}
    for name in ("startsOn", "endsOn"):
        planned[name] = values[name] or None
    for name in ("plannedSessions", "minGroupSize", "maxGroupSize"):
        text = values[name]
        if not text.isdigit():
            raise ApiError.of("BAD_INPUT", t("cohorts.whole_number", field=t(f"cohorts.{name}")))
        planned[name] = int(text)
    if planned["startsOn"] is None or planned["endsOn"] is None:
        raise ApiError.of("BAD_INPUT", t("cohorts.dates_required"))
    return planned


@router.post("/cohorts")
async def plan_cohort(request: Request) -> Response:
    """Plan a cohort; on a refusal, the form again with the API's message and what was typed."""
    await require_role(request, "coordinator")
    form = await request.form()
    values = {name: form_text(form, name) for name in PLAN_FIELDS}
    try:
        data = await run(
            request,
            "PlanCohort",
            {"input": _plan_input(values)},
            idempotency_key=idempotency_key(request, form),
        )
    except ApiError as error:
        problem = t("error.form", message=error.message)
        return await _cohorts_page(request, values=values, problem=problem, status=400)
    name = data["planCohort"]["cohort"]["name"]
    return redirect_after_post("/cohorts", t("cohorts.planned", name=name))


async def _change(request: Request, cohort_id: str, operation: str, done: str) -> Response:
    await require_role(request, "coordinator")
    form = await request.form()
    await look_up(request, "Cohort", {"id": cohort_id})  # another PIN's id: 404
    try:
        data = await run(
            request,
            operation,
            {"cohortId": cohort_id},
            idempotency_key=idempotency_key(request, form),
        )
    except ApiError as error:
        problem = t("error.form", message=error.message)
        return await _cohorts_page(request, values=dict(PLAN_DEFAULTS), problem=problem, status=400)
    field = operation[0].lower() + operation[1:]
    return redirect_after_post("/cohorts", t(done, name=data[field]["cohort"]["name"]))


@router.post("/cohorts/{cohort_id}/open")
async def open_cohort(request: Request, cohort_id: str) -> Response:
    """Open a planned cohort (startCohort)."""
    return await _change(request, cohort_id, "StartCohort", "cohorts.opened")


@router.get("/cohorts/{cohort_id}/close")
async def confirm_close(request: Request, cohort_id: str) -> Response:
    """Ask before closing: a closed cohort cannot be opened again."""
    await require_role(request, "coordinator")
    cohort = (await look_up(request, "Cohort", {"id": cohort_id}))["cohort"]
    return await render(request, "coordinator/close_cohort.html", cohort=cohort)


@router.post("/cohorts/{cohort_id}/close")
async def close_cohort(request: Request, cohort_id: str) -> Response:
    """Close the cohort (after the confirmation page)."""
    return await _change(request, cohort_id, "CloseCohort", "cohorts.closed")
