"""The tables of each PIN's view, declared once (``projections.read_model``).

Which event inserts, updates or deletes their rows is listed in the tenant views' table
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
    columns = ("tenant_id", "slug", "name", "communities", "professions", "seq")
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


# The people's erasure and consents (``projections.privacy_views``) change the last columns.
PEOPLE_DEFAULTS = {"erased_at": None, "consents": "{}"}


# What mentors and mentees share (``domain.people.Person``), their rows' first columns.
PERSON = ("id", "tenant_id", "name", "email", "profession")


class Mentors(ReadModel):
    table = "mentors"
    columns = (
        *PERSON,
        "languages",
        "cultural_background",
        "licence_status",
        "capacity",
        "seq",
        "erased_at",
        "consents",
    )
    personal = ("name", "email")
    json = ("languages",)
    defaults = PEOPLE_DEFAULTS


class Mentees(ReadModel):
    table = "mentees"
    columns = (
        *PERSON,
        "origin",
        "languages",
        "english_level",
        "goals",
        "enrolled_on",
        "seq",
        "erased_at",
        "consents",
    )
    personal = ("name", "email", "goals")
    json = ("languages",)
    defaults = PEOPLE_DEFAULTS


class Trainings(ReadModel):
    table = "trainings"
    columns = ("tenant_id", "person_id", "version", "name", "completed_on")
    sources = {"person_id": aggregate_id, "version": envelope("aggregate_version")}
    key = ()
    appended = True


class Outcomes(ReadModel):
    table = "outcomes"
    columns = (
        "id",
        "tenant_id",
        "mentee_id",
        "kind",
        "occurred_on",
        "evidence",
        "cohort_id",
        "seq",
    )
    sources = {"id": field("outcome_id"), "mentee_id": aggregate_id}
    personal = ("evidence",)


class MentoringGroups(ReadModel):
    table = "mentoring_groups"
    columns = (
        "id",
        "tenant_id",
        "cohort_id",
        "name",
        "mentor_id",
        "min_size",
        "max_size",
        "planned_sessions",
        "mentee_count",
        "sessions_held",
        "seq",
    )
    defaults = {"mentee_count": 0, "sessions_held": 0}


class GroupMembers(ReadModel):
    table = "group_members"
    key = ("group_id", "mentee_id")
    columns = ("tenant_id", "group_id", "mentee_id", "seq")
    sources = {"group_id": aggregate_id}


class GroupSessions(ReadModel):
    table = "group_sessions"
    key = ("group_id", "number")
    columns = ("tenant_id", "group_id", "number", "scheduled_on", "agenda", "held")
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
