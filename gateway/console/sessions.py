"""A group's sessions (coordinators): schedule one, record that it was held, and take its
attendance on a phone.

The attendance form is the mentor's (the shared ``templates/_attendance.html``): one column,
one fieldset per mentee with large Present and Absent choices. Sending it records the session
as held when it is not yet (its day has come), then who was present and who absent.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.console import attendance
from gateway.console.attendance import ABSENT, PRESENT, chosen_marks
from gateway.console.graphql_client import ApiError, NotFound, run
from gateway.console.groups import PAGES, due, group_of, group_page
from gateway.console.pages import (
    feature_router,
    form_text,
    idempotency_key,
    redirect_after_post,
    render,
)
from gateway.console.strings import t

router = feature_router()


def session_of(group: dict[str, Any], number: str) -> dict[str, Any]:
    """Session ``number`` (from the address) of the group; any other number: 404."""
    found: dict[str, Any] | None = next(
        (s for s in group["sessions"] if str(s["number"]) == number), None
    )
    if found is None:
        raise NotFound()
    return found


@router.post("/groups/{group_id}/sessions")
async def schedule(request: Request, group_id: str) -> Response:
    """Schedule the group's next session on a day of its cohort, with its agenda."""
    group = await group_of(request, group_id)
    form = await request.form()
    values = {name: form_text(form, name) for name in ("scheduledOn", "agenda")}
    try:
        if not values["scheduledOn"]:
            raise ApiError.of("BAD_INPUT", t("sessions.date_required"))
        data = await run(
            request,
            "SessionSchedule",
            {"input": {"groupId": group["id"], **values}},
            idempotency_key=idempotency_key(request, form),
        )
    except PAGES:
        raise  # the console's own pages: 404, 403, sign in again
    except ApiError as error:
        problem = t("error.form", message=error.message)
        return await group_page(request, group, values=values, problem=problem, status=400)
    number = max(s["number"] for s in data["scheduleSession"]["group"]["sessions"])
    return redirect_after_post(
        f"/groups/{group['id']}",
        t("sessions.scheduled", number=number, date=values["scheduledOn"]),
    )


@router.post("/groups/{group_id}/sessions/{number}/held")
async def held(request: Request, group_id: str, number: str) -> Response:
    """Record that session ``number`` took place (from its day on)."""
    group = await group_of(request, group_id)
    session = session_of(group, number)
    form = await request.form()
    try:
        await run(
            request,
            "SessionHeld",
            {"groupId": group["id"], "number": session["number"]},
            idempotency_key=idempotency_key(request, form),
        )
    except PAGES:
        raise  # the console's own pages: 404, 403, sign in again
    except ApiError as error:
        problem = t("error.form", message=error.message)
        return await group_page(request, group, problem=problem, status=400)
    return redirect_after_post(
        f"/groups/{group['id']}", t("sessions.held_saved", number=session["number"])
    )


async def _attendance_page(
    request: Request,
    group: dict[str, Any],
    session: dict[str, Any],
    *,
    marks: dict[str, str],
    problem: str | None = None,
    status: int = 200,
) -> Response:
    return await render(
        request,
        "sessions/attendance.html",
        status_code=status,
        group=group,
        session=session,
        due=due(session),
        marks=marks,
        problem=problem,
        idempotency_key=uuid.uuid4().hex,
    )


@router.get("/groups/{group_id}/sessions/{number}/attendance")
async def attendance_form(request: Request, group_id: str, number: str) -> Response:
    """Who came to session ``number``, as recorded so far: a form for a phone."""
    group = await group_of(request, group_id)
    session = session_of(group, number)
    marks = {a["menteeId"]: PRESENT if a["present"] else ABSENT for a in session["attendance"]}
    return await _attendance_page(request, group, session, marks=marks)


@router.post("/groups/{group_id}/sessions/{number}/attendance")
async def record_attendance(request: Request, group_id: str, number: str) -> Response:
    """Record the session as held (if it is not yet), then the attendance chosen."""
    group = await group_of(request, group_id)
    session = session_of(group, number)
    marks = chosen_marks(await request.form(), group)
    if not marks:
        problem = t("attendance.none_chosen")
        return await _attendance_page(
            request, group, session, marks=marks, problem=problem, status=400
        )
    try:
        await attendance.record(request, group, session, marks)
    except PAGES:
        raise  # the console's own pages: 404, 403, sign in again
    except ApiError as error:
        problem = t("error.form", message=error.message)
        return await _attendance_page(
            request, group, session, marks=marks, problem=problem, status=400
        )
    return redirect_after_post(f"/groups/{group['id']}", attendance.saved(session, marks))
