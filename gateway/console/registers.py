"""The registers of a PIN's mentees and mentors: search by name, filters, pages by cursor,
and a page per person."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from gateway.console.graphql_client import ApiError, look_up, run
from gateway.console.pages import feature_router, render, require_role
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


def _page_links(path: str, typed: dict[str, str], page: dict[str, Any], after: str | None) -> Any:
    """Links to the next page (the API's end cursor) and back to the first."""
    kept = {name: value for name, value in typed.items() if value}
    next_link = (
        f"{path}?{urlencode({**kept, 'after': page['endCursor']})}" if page["hasNextPage"] else None
    )
    first_link = f"{path}?{urlencode(kept)}" if after else None
    return {"next": next_link, "first": first_link}


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
    field = operation[0].lower() + operation[1:]
    found = data[field]
    options: dict[str, Any] = {}
    if "cohorts" in data:
        options["cohorts"] = [
            (e["node"]["id"], e["node"]["name"]) for e in data["cohorts"]["edges"]
        ]
    return await render(
        request,
        template,
        status_code=400 if problem else 200,
        people=[edge["node"] for edge in found["edges"]],
        total=found["totalCount"],
        links=_page_links(request.url.path, typed, found["pageInfo"], after),
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


@router.get("/mentees/{mentee_id}")
async def mentee(request: Request, mentee_id: str) -> Response:
    """One mentee: what the PIN holds about them, their groups, outcomes and trainings."""
    await require_role(request, "coordinator")
    found = (await look_up(request, "Mentee", {"id": mentee_id}))["mentee"]
    return await render(request, "coordinator/mentee.html", person=found)


@router.get("/mentors/{mentor_id}")
async def mentor(request: Request, mentor_id: str) -> Response:
    """One mentor: what the PIN holds about them and their trainings."""
    await require_role(request, "coordinator")
    found = (await look_up(request, "Mentor", {"id": mentor_id}))["mentor"]
    return await render(request, "coordinator/mentor.html", person=found)
