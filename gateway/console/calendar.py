"""A group's sessions as an iCalendar file (RFC 5545) for the calendar people already use.

GET /groups/{id}/sessions.ics, for the group's coordinator or its mentor (the API shows a
mentor only the groups they lead). The API holds a session's day, not its hour or place, so
each session is an all-day event (``DTSTART;VALUE=DATE``); ``event`` takes a time in UTC and a
location as well, for when it holds them. The serializer is small and tested on its own:
CRLF line endings, lines folded at 75 octets (never inside a UTF-8 character), text escaped.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.console.graphql_client import NotFound, look_up
from gateway.console.pages import feature_router, require_role
from gateway.console.strings import t

PRODID = "-//Group mentoring//Console//EN"
UID_DOMAIN = "mentoring.console"
LINE_OCTETS = 75
MEDIA_TYPE = "text/calendar; charset=utf-8"

router = feature_router()


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    for plain, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        value = value.replace(plain, escaped)
    return value


def fold(line: str) -> str:
    """One content line folded (RFC 5545 3.1): no physical line longer than 75 octets, each
    continuation starting with a space, and no UTF-8 character split across lines."""
    parts: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append(current)
            current, size, limit = " ", 1, LINE_OCTETS
        current += char
        size += octets
    parts.append(current)
    return "\r\n".join(parts)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event(
    uid: str,
    summary: str,
    stamp: datetime,
    *,
    day: date | None = None,
    starts: datetime | None = None,
    ends: datetime | None = None,
    description: str | None = None,
    location: str | None = None,
) -> list[str]:
    """The content lines of one VEVENT: on ``day`` (all day), or from ``starts`` to ``ends``
    (aware times, written in UTC)."""
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{_stamp(stamp)}"]
    if starts is not None:
        lines.append(f"DTSTART:{_stamp(starts)}")
        lines.append(f"DTEND:{_stamp(ends or starts + timedelta(hours=2))}")
    elif day is not None:
        lines.append(f"DTSTART;VALUE=DATE:{day:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}")
    else:
        raise ValueError("an event needs a day or a start time")
    lines.append(f"SUMMARY:{escape_text(summary)}")
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    lines.append("END:VEVENT")
    return lines


def calendar(name: str, events: Iterable[list[str]]) -> str:
    """A VCALENDAR holding ``events``: folded content lines, each ended by CRLF."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for lines_of_event in events:
        lines.extend(lines_of_event)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def session_uid(group_id: str, number: int) -> str:
    """The same for a group's session every time the calendar is downloaded, so a calendar
    that imports it again updates the event instead of adding a second one."""
    return f"group-{group_id}-session-{number}@{UID_DOMAIN}"


def group_calendar(group: dict[str, Any], now: datetime) -> str:
    """The calendar of a group (as the GroupCalendar operation reads it)."""
    name, sessions = str(group["name"]), group["sessions"]
    return calendar(
        name,
        (
            event(
                session_uid(str(group["id"]), s["number"]),
                t("calendar.summary", group=name, number=s["number"]),
                now,
                day=date.fromisoformat(s["scheduledOn"]),
                description=s["agenda"],
            )
            for s in sessions
        ),
    )


def file_name(name: str) -> str:
    """A plain ASCII file name for the download, from the group's name."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return f"{slug or 'group'}-sessions.ics"


@router.get("/groups/{group_id}/sessions.ics")
async def sessions_ics(request: Request, group_id: str) -> Response:
    """Download the group's sessions as a calendar file."""
    await require_role(request, "coordinator", "mentor")
    try:
        uuid.UUID(group_id)
    except ValueError:
        raise NotFound() from None
    group = (await look_up(request, "GroupCalendar", {"id": group_id}))["group"]
    return Response(
        group_calendar(group, datetime.now(UTC)).encode(),
        media_type=MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{file_name(group["name"])}"',
            "Cache-Control": "private, no-store",
        },
    )
