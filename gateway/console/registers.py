"""The registers of a PIN's mentees and mentors: search by name, filters, pages by cursor,
and a page per person."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.console.graphql_client import ApiError, look_up, run
from gateway.console.pages import feature_router, page_links, render, require_role
from gateway.console.strings import t

router = feature_router()
MENTOR_FILTERS = {"q": "nameContains", "profession": "profession", "language": "language"}
MENTEE_FILTERS = {**MENTOR_FILTERS, "cohort": "cohortId"}
"""Query parameters of the page, by the API argument each one fills."""


def _filters(request: Request, names: dict[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    """The filters as typed (for the form and the links) and as the API's variables."""
    typed = {field: request.query_params.get(field, "").strip() for field in names}
    variables: dict[str, Any] = {names[f]: value or None for f, value in typed.items()}
    return typed, variables


async def _register(
    request: Request, operation: str, filters: dict[str, str], template: str
) -> Response:
    await require_role(request, "coordinator")
    typed, variables = _filters(request, filters)
    after = request.query_params.get("after") or None
    problem = None
    try:
        data = await run(request, operation, {**variables, "after": after})
    except ApiError as error:  # a filter the API refuses (a bad cursor, a search too long)
        if error.code != "BAD_INPUT":
            raise
        problem = t("error.form", message=error.message)
        data = await run(request, operation)
    found = data[operation[0].lower() + operation[1:]]
    kept = {name: value for name, value in typed.items() if value}
    options: dict[str, Any] = {}
    if "cohorts" in data:
        options["cohorts"] = [
            (e["node"]["id"], e["node"]["name"]) for e in data["cohorts"]["edges"]
        ]
    return await render(
        request,
        template,
        people=[edge["node"] for edge in found["edges"]],
        total=found["totalCount"],
        links=page_links(request.url.path, kept, found["pageInfo"], after),
        typed=typed,
        professions=[(p, p) for p in data["pin"]["professions"]],
        problem=problem,
        **options,
    )


@router.get("/mentees")
async def mentees(request: Request) -> Response:
    """The register of mentees: by name, profession, language and cohort."""
    return await _register(request, "Mentees", MENTEE_FILTERS, "coordinator/mentees.html")


@router.get("/mentors")
async def mentors(request: Request) -> Response:
    """The register of mentors: by name, profession and language."""
    return await _register(request, "Mentors", MENTOR_FILTERS, "coordinator/mentors.html")


async def _person(request: Request, operation: str, person_id: str) -> Response:
    """The page of one person of a register: ``operation`` reads them (Mentee, Mentor)."""
    await require_role(request, "coordinator")
    field = operation.lower()
    found = (await look_up(request, operation, {"id": person_id}))[field]
    return await render(request, f"coordinator/{field}.html", person=found)


@router.get("/mentees/{mentee_id}")
async def mentee(request: Request, mentee_id: str) -> Response:
    """One mentee: what the PIN holds about them, their groups, outcomes and trainings."""
    return await _person(request, "Mentee", mentee_id)


@router.get("/mentors/{mentor_id}")
async def mentor(request: Request, mentor_id: str) -> Response:
    """One mentor: what the PIN holds about them and their trainings."""
    return await _person(request, "Mentor", mentor_id)
