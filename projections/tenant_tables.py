"""The tables of each PIN's view, declared once (``projections.read_model``).

Where a query reads a table's rows as they are, the table's columns are its typed row's
fields (``projections.rows``) plus what only the projection keeps (the PIN, the store
position, erasure): a new field of the row is a new column here too. Which event inserts,
updates or deletes the rows is listed in the tenant views' table
(``projections.tenant_views.policy``).
"""

from __future__ import annotations

from typing import Any

from domain.envelope import EventEnvelope
from projections.read_model import (
    ReadModel,
    aggregate_id,
    computed,
    constant,
    envelope,
    field,
    occurred_at,
    position,
)
from projections.rows import (
    GroupRow,
    MenteeRow,
    MentorRow,
    OutcomeRow,
    PinRow,
    SessionRow,
    TrainingRow,
)


def _present(e: EventEnvelope) -> int:
    """Attendance is kept as 0 or 1."""
    present: Any = e.payload["present"]
    return int(present)


class ActivityFeed(ReadModel):
    """Every event the tenant views apply, as it came."""

    table = "activity_feed"
    columns = ("tenant_id", "position", "event_type", "aggregate_id", "occurred_at")
    sources = {
        "position": position,
        "event_type": envelope("event_type"),
        "aggregate_id": aggregate_id,
        "occurred_at": occurred_at,
    }
    key = ()
    appended = True


class Pins(ReadModel):
    table = "pins"
    key = ("tenant_id",)
    columns = (*PinRow.columns(), "seq")
    json = ("communities", "professions")


class Cohorts(ReadModel):
    table = "cohorts"
    columns = (
        "id",
        "tenant_id",
        "name",
        "starts_on",
        "ends_on",
        "planned_sessions",
        "min_group_size",
        "max_group_size",
        "state",
        "seq",
    )
    sources = {"state": constant("planning")}


class NetworkCohorts(ReadModel):
    """Cohort names for the network's statistics (never changed)."""

    table = "network_cohorts"
    columns = ("cohort_id", "tenant_id", "name", "starts_on")
    sources = {"cohort_id": aggregate_id}
    key = ()
    appended = True


# The people's erasure and consents (``projections.privacy.views``) change the last columns.
PEOPLE_DEFAULTS = {"erased_at": None, "consents": "{}"}


class Mentors(ReadModel):
    table = "mentors"
    columns = ("tenant_id", *MentorRow.columns(), "seq", *PEOPLE_DEFAULTS)
    personal = ("name", "email")
    json = ("languages",)
    defaults = PEOPLE_DEFAULTS


class Mentees(ReadModel):
    table = "mentees"
    columns = ("tenant_id", *MenteeRow.columns(), "seq", *PEOPLE_DEFAULTS)
    personal = ("name", "email", "goals")
    json = ("languages",)
    defaults = PEOPLE_DEFAULTS


class Trainings(ReadModel):
    table = "trainings"
    columns = ("tenant_id", "version", *TrainingRow.columns())
    sources = {"person_id": aggregate_id, "version": envelope("aggregate_version")}
    key = ()
    appended = True


class Outcomes(ReadModel):
    table = "outcomes"
    columns = ("tenant_id", *OutcomeRow.columns(), "seq")
    sources = {"id": field("outcome_id"), "mentee_id": aggregate_id}
    personal = ("evidence",)


class MentoringGroups(ReadModel):
    table = "mentoring_groups"
    columns = ("tenant_id", *GroupRow.columns(), "seq")
    defaults = {"mentee_count": 0, "sessions_held": 0}


class GroupMembers(ReadModel):
    table = "group_members"
    key = ("group_id", "mentee_id")
    columns = ("tenant_id", "group_id", "mentee_id", "seq")
    sources = {"group_id": aggregate_id}


class GroupSessions(ReadModel):
    table = "group_sessions"
    key = ("group_id", "number")
    columns = ("tenant_id", *SessionRow.columns())
    sources = {"group_id": aggregate_id}
    defaults = {"held": 0}


class Attendance(ReadModel):
    """Written by hand (``tenant_views.attendance_recorded``): a second record updates."""

    table = "attendance"
    key = ("group_id", "number", "mentee_id")
    columns = ("tenant_id", "group_id", "number", "mentee_id", "present")
    sources = {"group_id": aggregate_id, "present": computed(_present)}


class SharedActivities(ReadModel):
    table = "shared_activities"
    columns = ("id", "tenant_id", "title", "held_on", "description", "capacity", "seq")


class ActivityRegistrations(ReadModel):
    table = "activity_registrations"
    key = ("activity_id", "person_id")
    columns = ("activity_id", "person_id", "person_tenant_id", "kind", "seq")
    sources = {"activity_id": aggregate_id}


class ApiKeys(ReadModel):
    table = "api_keys"
    columns = (
        "id",
        "tenant_id",
        "name",
        "role",
        "secret_hash",
        "expires_at",
        "created_at",
        "seq",
        "revoked",
    )
    sources = {"created_at": occurred_at}
    defaults = {"revoked": 0}
