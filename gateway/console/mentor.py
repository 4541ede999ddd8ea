"""A mentor's pages: my groups, a group's sessions, and taking attendance on a phone.

The API shows a mentor only the groups they lead (and a coordinator their PIN's): another
group's id, or one that does not exist, is the same 404 "not found" page. Attendance is one
form per session, one column of large choices per mentee; sending it records the session as
held (when it is not yet, and its day has come) and then who was present and absent.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.console import attendance
from gateway.console.graphql_client import run
from gateway.console.pages import add_navigation, feature_router, record_id, render, require_role

GROUP_ROLES = ("mentor", "coordinator")

router = feature_router()
add_navigation("mentor", "nav.my_groups", "/mentor")


async def _group(request: Request, group_id: str) -> dict[str, Any]:
    await require_role(request, *GROUP_ROLES)
    group: dict[str, Any] = (await run(request, "MentorGroup", {"id": record_id(group_id)}))[
        "group"
    ]
    return group


@router.get("/mentor")
async def my_groups(request: Request) -> Response:
    """The groups I lead, with their rounds and how many sessions were held."""
    await require_role(request, *GROUP_ROLES)
    data = await run(request, "MentorGroups")
    groups = [edge["node"] for edge in data["groups"]["edges"]]
    return await render(request, "mentor/groups.html", groups=groups)


@router.get("/mentor/groups/{group_id}")
async def group_page(request: Request, group_id: str) -> Response:
    """One of my groups: its mentees and sessions, each with a link to take attendance."""
    group = await _group(request, group_id)
    sessions = attendance.sessions_shown(group)
    return await render(request, "mentor/group.html", group=group, sessions=sessions)


@router.api_route("/mentor/groups/{group_id}/sessions/{number}", methods=["GET", "POST"])
async def take_attendance(request: Request, group_id: str, number: int) -> Response:
    """Who came to session ``number``: present or absent per mentee, and recording it."""
    group = await _group(request, group_id)
    return await attendance.take(request, group, number, f"/mentor/groups/{group['id']}")
