"""A group's sessions (coordinators): schedule one, record that it was held, and take its
attendance on a phone.

The attendance form is the mentor's (``attendance.py``): one column, one fieldset per mentee
with large Present and Absent choices. Sending it records the session as held when it is not
yet (its day has come), then who was present and who absent.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.console import attendance
from gateway.console.forms import form_text, redirect_after_post, submit
from gateway.console.groups import GROUP_PAGE, group_of
from gateway.console.pages import feature_router
from gateway.console.strings import t

router = feature_router()


@router.post("/groups/{group_id}/sessions")
async def schedule(request: Request, group_id: str) -> Response:
    """Schedule the group's next session on a day of its cohort, with its agenda."""
    group = await group_of(request, group_id)
    form = await request.form()
    values = {name: form_text(form, name) for name in ("scheduledOn", "agenda")}

    async def again(problem: str) -> Response:
        return await GROUP_PAGE.show(request, group, sent=values, problem=problem)

    def scheduled(data: dict[str, Any]) -> Response:
        number = max(s["number"] for s in data["scheduleSession"]["group"]["sessions"])
        message = t("sessions.scheduled", number=number, date=values["scheduledOn"])
        return redirect_after_post(f"/groups/{group['id']}", message)

    if not values["scheduledOn"]:
        return await again(t("error.form", message=t("sessions.date_required")))
    return await submit(
        request,
        "SessionSchedule",
        {"input": {"groupId": group["id"], **values}},
        again=again,
        done=scheduled,
    )


@router.post("/groups/{group_id}/sessions/{number}/held")
async def held(request: Request, group_id: str, number: str) -> Response:
    """Record that session ``number`` took place (from its day on)."""
    group = await group_of(request, group_id)
    session = attendance.session_of(group, number)
    return await submit(
        request,
        "SessionHeld",
        {"groupId": group["id"], "number": session["number"]},
        again=lambda problem: GROUP_PAGE.show(request, group, problem=problem),
        done=lambda _: redirect_after_post(
            f"/groups/{group['id']}", t("sessions.held_saved", number=session["number"])
        ),
    )


@router.api_route("/groups/{group_id}/sessions/{number}/attendance", methods=["GET", "POST"])
async def take_attendance(request: Request, group_id: str, number: str) -> Response:
    """Who came to session ``number``: the form for a phone, and recording it."""
    group = await group_of(request, group_id)
    return await attendance.take(request, group, number, f"/groups/{group['id']}")
