"""Queries over the read models. Every query is scoped to one tenant by its signature.

The gateway passes the caller's tenant id; no function here returns a row of another
PIN, except shared activities, which every PIN sees (without other PINs' personal data).
This module is where callers take them from; each feature's queries live in their own module
(people, groups and rounds, the network, access), their rows in projections/rows.py.
"""

from __future__ import annotations

from projections.access_queries import activity_after, api_key, api_keys, last_activity
from projections.group_queries import (
    COHORTS,
    attendance_of,
    cohort,
    cohort_filters,
    cohorts,
    cohorts_by_id,
    group,
    group_filters,
    groups,
    groups_of_mentees,
    members_of,
    sessions_of,
)
from projections.network_queries import (
    pin,
    pins,
    registrations_of,
    shared_activities,
    shared_activity,
)
from projections.people_queries import (
    mentee,
    mentee_filters,
    mentees,
    mentor,
    mentor_filters,
    mentors,
    mentors_by_id,
    outcomes_of,
    trainings_of,
)
from projections.query_pages import MAX_PAGE, Filters, Page, T
from projections.rows import (
    ActivityRow,
    ApiKeyRow,
    AttendanceRow,
    CohortRow,
    FeedRow,
    GroupRow,
    MenteeRow,
    MentorRow,
    OutcomeRow,
    PinRow,
    RegistrationRow,
    SessionRow,
    TrainingRow,
)

__all__ = [
    "COHORTS",
    "MAX_PAGE",
    "ActivityRow",
    "ApiKeyRow",
    "AttendanceRow",
    "CohortRow",
    "FeedRow",
    "Filters",
    "GroupRow",
    "MenteeRow",
    "MentorRow",
    "OutcomeRow",
    "Page",
    "PinRow",
    "RegistrationRow",
    "SessionRow",
    "T",
    "TrainingRow",
    "activity_after",
    "api_key",
    "api_keys",
    "attendance_of",
    "cohort",
    "cohort_filters",
    "cohorts",
    "cohorts_by_id",
    "group",
    "group_filters",
    "groups",
    "groups_of_mentees",
    "last_activity",
    "members_of",
    "mentee",
    "mentee_filters",
    "mentees",
    "mentor",
    "mentor_filters",
    "mentors",
    "mentors_by_id",
    "outcomes_of",
    "pin",
    "pins",
    "registrations_of",
    "sessions_of",
    "shared_activities",
    "shared_activity",
    "trainings_of",
]
