"""A mentor's pages: my groups, a group's sessions, and taking attendance on a phone.

The API shows a mentor only the groups they lead (and a coordinator their PIN's): another
group's id, or one that does not exist, is the same 404 "not found" page. Attendance is one
form per session, one column of large choices per mentee; sending it records the session as
held (when it is not yet, and its day has come) and then who was present and absent.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.console import attendance
from gateway.console.attendance import ABSENT, PRESENT, chosen_marks
from gateway.console.graphql_client import ApiError, NotFound, Refused, SignInRequired, run
from gateway.console.pages import (
    add_navigation,
    feature_router,
    redirect_after_post,
    render,
    require_role,
)
from gateway.console.strings import t

GROUP_ROLES = ("mentor", "coordinator")

router = feature_router()
add_navigation("mentor", "nav.my_groups", "/mentor")


def _group_id(value: str) -> str:
    """The id in the address, when it is one (anything else is simply not found)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound() from None


async def _group(request: Request, group_id: str) -> dict[str, Any]:
    await require_role(request, *GROUP_ROLES)
    group: dict[str, Any] = (await run(request, "MentorGroup", {"id": _group_id(group_id)}))[
        "group"
    ]
    return group


def _session(group: dict[str, Any], number: int) -> dict[str, Any]:
    session: dict[str, Any] | None = next(
        (s for s in group["sessions"] if s["number"] == number), None
    )
    if session is None:
        raise NotFound()
    return session


def _due(session: dict[str, Any]) -> bool:
    """Whether attendance can be taken: the session was held, or its day has come."""
    return bool(session["held"]) or date.fromisoformat(session["scheduledOn"]) <= date.today()


def _summary(session: dict[str, Any]) -> dict[str, int]:
    present = sum(1 for a in session["attendance"] if a["present"])
    return {"present": present, "absent": len(session["attendance"]) - present}


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
    sessions = [(s, _summary(s), _due(s)) for s in group["sessions"]]
    return await render(request, "mentor/group.html", group=group, sessions=sessions)


async def _form(
    request: Request,
    group: dict[str, Any],
    session: dict[str, Any],
    *,
    marks: dict[str, str],
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    return await render(
        request,
        "mentor/attendance.html",
        status_code=status_code,
        group=group,
        session=session,
        due=_due(session),
        marks=marks,
        problem=problem,
        idempotency_key=uuid.uuid4().hex,
    )


@router.get("/mentor/groups/{group_id}/sessions/{number}")
async def attendance_form(request: Request, group_id: str, number: int) -> Response:
    """Who came to session ``number``: present or absent per mentee, as recorded so far."""
    group = await _group(request, group_id)
    session = _session(group, number)
    marks = {a["menteeId"]: PRESENT if a["present"] else ABSENT for a in session["attendance"]}
    return await _form(request, group, session, marks=marks)


@router.post("/mentor/groups/{group_id}/sessions/{number}")
async def record_attendance(request: Request, group_id: str, number: int) -> Response:
    """Record the session as held (if it is not yet), then the attendance chosen."""
    group = await _group(request, group_id)
    session = _session(group, number)
    marks = chosen_marks(await request.form(), group)
    if not marks:
        return await _form(
            request,
            group,
            session,
            marks=marks,
            problem=t("attendance.none_chosen"),
            status_code=400,
        )
    try:
        await attendance.record(request, group, session, marks)
    except (NotFound, Refused, SignInRequired):
        raise  # the console's own pages: 404, 403, sign in again
    except ApiError as error:
        problem = t("error.form", message=error.message)
        return await _form(request, group, session, marks=marks, problem=problem, status_code=400)
    return redirect_after_post(f"/mentor/groups/{group['id']}", attendance.saved(session, marks))
