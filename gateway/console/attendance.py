"""Taking a session's attendance, the same for the group's mentor and for its PIN's coordinator
(``mentor.py``, ``sessions.py``): the form (``templates/sessions/attendance.html``, posted back
to its own address), the marks chosen on it, the session recorded as held when it is not yet,
then who was present and who absent, and the message that says so.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, NamedTuple

from starlette.requests import Request
from starlette.responses import Response

from gateway.console.forms import PAGES, FormPage, form_text, problem_of, redirect_after_post
from gateway.console.graphql_client import ApiError, NotFound, run
from gateway.console.strings import t

PRESENT, ABSENT = "present", "absent"


def due(session: dict[str, Any]) -> bool:
    """Whether attendance can be taken: the session was held, or its day has come."""
    return bool(session["held"]) or date.fromisoformat(session["scheduledOn"]) <= date.today()


def summary(session: dict[str, Any]) -> dict[str, int]:
    """How many were marked present and absent at ``session``."""
    present = sum(1 for a in session["attendance"] if a["present"])
    return {"present": present, "absent": len(session["attendance"]) - present}


def sessions_shown(group: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, int], bool]]:
    """Each session of the group with its attendance summary and whether it is ``due``."""
    return [(s, summary(s), due(s)) for s in group["sessions"]]


def session_of(group: dict[str, Any], number: str | int) -> dict[str, Any]:
    """Session ``number`` (from the address) of the group; any other number: 404."""
    found: dict[str, Any] | None = next(
        (s for s in group["sessions"] if str(s["number"]) == str(number)), None
    )
    if found is None:
        raise NotFound()
    return found


def chosen_marks(form: Any, group: dict[str, Any]) -> dict[str, str]:
    """Present or absent per mentee of ``group``, as chosen on the form (others left out)."""
    chosen = {m["id"]: form_text(form, f"m-{m['id']}") for m in group["mentees"]}
    return {mentee: mark for mentee, mark in chosen.items() if mark in (PRESENT, ABSENT)}


async def record(
    request: Request, group: dict[str, Any], session: dict[str, Any], marks: dict[str, str]
) -> None:
    """Record the session as held (if it is not yet), then ``marks``; raises ApiError. The
    form's key makes a second sending of the same form change nothing."""
    key = form_text(await request.form(), "idempotency_key")
    key = key if key.isalnum() and len(key) <= 64 else uuid.uuid4().hex
    if not session["held"]:
        await run(
            request,
            "SessionHeld",
            {"groupId": group["id"], "number": session["number"]},
            idempotency_key=f"{key}-held",
        )
    await run(
        request,
        "SessionAttendance",
        {
            "input": {
                "groupId": group["id"],
                "number": session["number"],
                "present": [m for m, mark in marks.items() if mark == PRESENT],
                "absent": [m for m, mark in marks.items() if mark == ABSENT],
            }
        },
        idempotency_key=f"{key}-attendance",
    )


def saved(session: dict[str, Any], marks: dict[str, str]) -> str:
    """The message after saving: the session's number, how many present and absent."""
    present = sum(1 for mark in marks.values() if mark == PRESENT)
    return t(
        "attendance.saved",
        number=session["number"],
        present=present,
        absent=len(marks) - present,
    )


class Taking(NamedTuple):
    """A session's attendance being taken: its group, the session, and the page to go ``back``
    to (the group's page)."""

    group: dict[str, Any]
    session: dict[str, Any]
    back: str


def recorded_marks(session: dict[str, Any]) -> dict[str, str]:
    """Present or absent per mentee, as recorded at ``session`` so far."""
    return {a["menteeId"]: PRESENT if a["present"] else ABSENT for a in session["attendance"]}


PAGE = FormPage[Taking](
    "sessions/attendance.html",
    lambda taking: {
        **taking._asdict(),
        "due": due(taking.session),
        "idempotency_key": uuid.uuid4().hex,
    },
    "marks",
    lambda taking: recorded_marks(taking.session),
)
"""The attendance form, with the marks recorded so far or, after a refusal, as chosen."""


async def take(request: Request, group: dict[str, Any], number: str | int, back: str) -> Response:
    """Session ``number``'s attendance form, with the marks recorded so far (GET); or (POST)
    record the session as held (if it is not yet) and the attendance chosen, then go ``back``
    to the group's page; a form with no choice, or a refusal, shows the form again."""
    taking = Taking(group, session_of(group, number), back)
    if request.method != "POST":
        return await PAGE.show(request, taking)
    marks = chosen_marks(await request.form(), group)
    if not marks:
        return await PAGE.show(request, taking, sent=marks, problem=t("attendance.none_chosen"))
    try:
        await record(request, group, taking.session, marks)
    except PAGES:
        raise  # the console's own pages: 404, 403, sign in again
    except ApiError as error:
        return await PAGE.show(request, taking, sent=marks, problem=problem_of(error))
    return redirect_after_post(back, saved(taking.session, marks))
