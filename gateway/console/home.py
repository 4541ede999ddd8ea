"""The home page: a coordinator's programme at a glance; for other roles, their menu."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gateway.console.graphql_client import run
from gateway.console.pages import NAVIGATION, feature_router, render, viewer

router = feature_router()


@router.get("/")
async def home(request: Request) -> Response:
    """The signed-in person's home page (sign in first, else)."""
    shown = await viewer(request)
    if shown.role != "coordinator":
        return await render(request, "home.html", links=NAVIGATION.get(shown.role, [])[1:])
    data = await run(request, "CoordinatorHome")
    return await render(
        request,
        "coordinator/home.html",
        open_cohorts=[edge["node"] for edge in data["cohorts"]["edges"]],
        counts={
            "home.cohorts": (data["allCohorts"]["totalCount"], "/cohorts"),
            "home.mentees": (data["mentees"]["totalCount"], "/mentees"),
            "home.mentors": (data["mentors"]["totalCount"], "/mentors"),
            "home.groups": (data["groups"]["totalCount"], "/groups"),
        },
    )
