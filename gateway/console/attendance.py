"""Taking a session's attendance, the same for the group's mentor and for its PIN's coordinator
(``mentor.py``, ``sessions.py``): the marks chosen on the form, the session recorded as held
when it is not yet, then who was present and who absent, and the message that says so.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request

from gateway.console.graphql_client import run
from gateway.console.pages import form_text
from gateway.console.strings import t

PRESENT, ABSENT = "present", "absent"


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
