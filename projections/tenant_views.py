"""The tenant-views projection: each PIN's cohorts, groups, sessions, people and outcomes.

Its table says what each domain event does (``policy``); the tables it applies them to are
declared in ``projections.tenant_tables`` (and the follow-ups', group proposals' and privacy
modules); the engine that applies them exactly once is ``projections.engine``.
"""

from __future__ import annotations

from projections import follow_up_views as follow_ups
from projections import programme_counts as counts
from projections.database import ReadModels
from projections.engine import LAG_EVENTS as LAG_EVENTS
from projections.engine import LAG_SECONDS as LAG_SECONDS
from projections.engine import PoisonEvent as PoisonEvent
from projections.engine import Projection
from projections.engine import bump_versions as bump_versions
from projections.events import ApiKey, Cohort, Group, Mentee, Mentor, Person, Pin, SharedActivity
from projections.facts import Facts
from projections.handling import Handling, Policy, compose, each
from projections.matching import views as matching
from projections.privacy import views as privacy
from projections.privacy.personal import OpenPersonal
from projections.read_model import Add, ReadModel, constant
from projections.tenant_tables import (
    ActivityFeed,
    ActivityRegistrations,
    ApiKeys,
    Attendance,
    Cohorts,
    GroupMembers,
    GroupSessions,
    Mentees,
    MentoringGroups,
    Mentors,
    NetworkCohorts,
    Outcomes,
    Pins,
    SharedActivities,
    Trainings,
)
from projections.tracking import FLOOR as FLOOR

# Every table the tenant views write (a rebuild's fold keeps their rows).
TABLES: tuple[type[ReadModel], ...] = (
    ActivityFeed,
    Pins,
    Cohorts,
    NetworkCohorts,
    Mentors,
    Mentees,
    Trainings,
    Outcomes,
    MentoringGroups,
    GroupMembers,
    GroupSessions,
    Attendance,
    SharedActivities,
    ActivityRegistrations,
    ApiKeys,
    matching.GroupProposals,
    privacy.SharingWithdrawn,
    follow_ups.FollowUps,
)

# Events of no use to the tenant views: the cohort's own record of its groups and places.
IGNORED = (Cohort.GroupRegistered, Cohort.MenteePlaced, Cohort.MenteeReleased)


def tenant_views_table(facts: Facts) -> Policy:
    """What each event of the programme does to the PIN's view (``facts``: the counts')."""

    def count(tally: counts.TallyFn) -> Handling:
        return counts.counting(tally, facts)

    return {
        Pin.Registered: Pins.insert,
        Pin.ProfileUpdated: Pins.update("name", "communities", "professions"),
        Mentor.Enrolled: each(counts.enrolled("mentors", "mentees", facts), Mentors.insert),
        Mentee.Enrolled: each(counts.enrolled("mentees", "mentors", facts), Mentees.insert),
        Person.TrainingCompleted: each(count(counts.training_completed), Trainings.insert),
        Mentee.OutcomeRecorded: each(
            count(counts.outcome_recorded), Outcomes.insert, counts.INDEX_OUTCOME
        ),
        Mentee.JoinedRound: each(count(counts.joined_round), follow_ups.SCHEDULE),
        Cohort.Planned: each(NetworkCohorts.insert, Cohorts.insert),
        Cohort.Started: Cohorts.update(state=constant("running")),
        Cohort.Closed: Cohorts.update(state=constant("closed")),
        Group.Formed: each(count(counts.group_formed), MentoringGroups.insert),
        Group.MenteeAdded: each(GroupMembers.insert, MentoringGroups.update(mentee_count=Add(1))),
        Group.MenteeRemoved: each(
            GroupMembers.delete, MentoringGroups.update(mentee_count=Add(-1))
        ),
        Group.SessionScheduled: GroupSessions.insert,
        Group.SessionHeld: each(
            count(counts.session_held),
            GroupSessions.update(held=constant(1)),
            MentoringGroups.update(sessions_held=Add(1)),
        ),
        Group.AttendanceRecorded: counts.attendance_recorded(facts),
        SharedActivity.Hosted: SharedActivities.insert,
        SharedActivity.ParticipantRegistered: ActivityRegistrations.insert,
        SharedActivity.RegistrationCancelled: ActivityRegistrations.delete,
        ApiKey.Issued: ApiKeys.insert,
        ApiKey.Revoked: ApiKeys.update(revoked=constant(1)),
    }


def policy(facts: Facts) -> dict[str, Handling]:
    """The tenant views' handling by event type: every domain event handled or ignored."""
    return compose(
        tenant_views_table(facts),
        follow_ups.POLICY,
        matching.POLICY,
        privacy.POLICY,
        ignored=IGNORED,
    )


class TenantViews(Projection):
    """Applies published events to the tenant read models, exactly once in effect."""

    name = "tenant_views"

    def __init__(
        self,
        db: ReadModels,
        *,
        dead_letter: bool = False,
        in_process: bool = True,
        personal: OpenPersonal | None = None,
    ) -> None:
        """``in_process``: this object applies every event (embedded bus, one partition).

        Otherwise projector processes apply them and report watermarks. ``personal`` opens
        the sealed personal fields of events (the key store, passed in by the wiring).
        """
        self.facts = Facts()  # what the counts remember, this projection's own
        super().__init__(
            db,
            policy(self.facts),
            recorded=ActivityFeed.insert.apply,
            dead_letter=dead_letter,
            in_process=in_process,
            personal=personal,
        )
