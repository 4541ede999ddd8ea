"""Cohorts (rounds): the list, planning one, opening it, and closing it after a confirmation."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.console.forms import form_text, redirect_after_post, submit
from gateway.console.graphql_client import look_up, run
from gateway.console.pages import feature_router, render, require_role
from gateway.console.strings import t

router = feature_router()
PLAN_FIELDS = ("name", "startsOn", "endsOn", "plannedSessions", "minGroupSize", "maxGroupSize")
PLAN_DEFAULTS = {"plannedSessions": "5", "minGroupSize": "5", "maxGroupSize": "6"}


async def _cohorts_page(
    request: Request, values: dict[str, str], problem: str | None = None
) -> Response:
    after = request.query_params.get("after") or None
    data = await run(request, "Cohorts", {"after": after})
    return await render(
        request,
        "coordinator/cohorts.html",
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


def _plan_refusal(values: dict[str, str]) -> str | None:
    """What keeps the form from being a planCohort input (the rest is the API's to refuse)."""
    for name in ("plannedSessions", "minGroupSize", "maxGroupSize"):
        if not values[name].isdigit():
            return t("cohorts.whole_number", field=t(f"cohorts.{name}"))
    if not values["startsOn"] or not values["endsOn"]:
        return t("cohorts.dates_required")
    return None


def _plan_input(values: dict[str, str]) -> dict[str, Any]:
    """The planCohort input from a form without a refusal."""
    numbers = ("plannedSessions", "minGroupSize", "maxGroupSize")
    return {name: int(value) if name in numbers else value for name, value in values.items()}


@router.post("/cohorts")
async def plan_cohort(request: Request) -> Response:
    """Plan a cohort; on a refusal, the form again with the API's message and what was typed."""
    await require_role(request, "coordinator")
    form = await request.form()
    values = {name: form_text(form, name) for name in PLAN_FIELDS}

    async def again(problem: str) -> Response:
        return await _cohorts_page(request, values=values, problem=problem)

    refusal = _plan_refusal(values)
    if refusal is not None:
        return await again(t("error.form", message=refusal))
    return await submit(
        request,
        "PlanCohort",
        {"input": _plan_input(values)},
        again=again,
        done=lambda data: redirect_after_post(
            "/cohorts", t("cohorts.planned", name=data["planCohort"]["cohort"]["name"])
        ),
    )


async def _change(request: Request, cohort_id: str, operation: str, done: str) -> Response:
    await require_role(request, "coordinator")
    await look_up(request, "Cohort", {"id": cohort_id})  # another PIN's id: 404
    field = operation[0].lower() + operation[1:]
    return await submit(
        request,
        operation,
        {"cohortId": cohort_id},
        again=lambda problem: _cohorts_page(request, values=dict(PLAN_DEFAULTS), problem=problem),
        done=lambda data: redirect_after_post(
            "/cohorts", t(done, name=data[field]["cohort"]["name"])
        ),
    )


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
