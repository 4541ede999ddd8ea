"""The mentoring group: one mentor, five or six mentees, five sessions with attendance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.base import TenantAggregate
from domain.cohort import Cohort
from domain.errors import InvariantViolation
from domain.people import Mentee, Mentor
from domain.values import require_text


@dataclass
class Session:
    number: int
    scheduled_on: date
    agenda: str
    held: bool = False
    attendance: dict[UUID, bool] = field(default_factory=dict)


class Group(TenantAggregate, created_event_name="Formed"):
    """A mentoring group inside a cohort, led by exactly one mentor."""

    id: UUID  # chosen first: the cohort registers the group before it is formed
    cohort_id: UUID
    name: str
    mentor_id: UUID
    min_size: int
    max_size: int
    planned_sessions: int
    mentee_ids: list[UUID] = field(default_factory=list, init=False)
    sessions: list[Session] = field(default_factory=list, init=False)

    @property
    def is_under_min_size(self) -> bool:
        """Allowed, but shown to the coordinator: a group under the cohort's minimum size."""
        return len(self.mentee_ids) < self.min_size

    def _require_cohort(self, cohort: Cohort) -> None:
        if cohort.id != self.cohort_id:
            raise InvariantViolation("The group belongs to another cohort.")
        cohort.require_open()

    def add_mentee(self, cohort: Cohort, mentee: Mentee) -> None:
        self._require_cohort(cohort)
        self.require_same_tenant(mentee, "The mentee")
        mentee.require_available("The mentee")
        if mentee.id in self.mentee_ids:
            raise InvariantViolation(f"The mentee is already in group '{self.name}'.")
        if len(self.mentee_ids) >= self.max_size:
            raise InvariantViolation(
                f"Group '{self.name}' already has {len(self.mentee_ids)} mentees; "
                f"the cohort allows at most {self.max_size}."
            )
        cohort.place_mentee(mentee.id, self.id)
        mentee.join_round(cohort.id, cohort.dates.starts_on, cohort.dates.ends_on)
        self._mentee_added(mentee_id=mentee.id)

    @event("MenteeAdded")
    def _mentee_added(self, mentee_id: UUID) -> None:
        self.mentee_ids.append(mentee_id)

    def remove_mentee(self, cohort: Cohort, mentee_id: UUID) -> None:
        self._require_cohort(cohort)
        if mentee_id not in self.mentee_ids:
            raise InvariantViolation(f"The mentee is not in group '{self.name}'.")
        if any(mentee_id in s.attendance for s in self.sessions):
            raise InvariantViolation(
                "The mentee has recorded attendance in this group and cannot be removed."
            )
        cohort.release_mentee(mentee_id)
        self._mentee_removed(mentee_id=mentee_id)

    @event("MenteeRemoved")
    def _mentee_removed(self, mentee_id: UUID) -> None:
        self.mentee_ids.remove(mentee_id)

    def schedule_session(self, cohort: Cohort, scheduled_on: date, agenda: str) -> int:
        """Plan the next session; returns its number (1-based)."""
        self._require_cohort(cohort)
        if len(self.sessions) >= self.planned_sessions:
            raise InvariantViolation(
                f"Group '{self.name}' already has {len(self.sessions)} sessions; "
                f"the cohort plans {self.planned_sessions}."
            )
        if scheduled_on not in cohort.dates:
            raise InvariantViolation(
                f"A session must be dated inside the round ({cohort.dates.starts_on} to "
                f"{cohort.dates.ends_on}); {scheduled_on} is not."
            )
        number = len(self.sessions) + 1
        self._session_scheduled(
            number=number,
            scheduled_on=scheduled_on,
            agenda=require_text("agenda", agenda, max_length=2000),
        )
        return number

    @event("SessionScheduled")
    def _session_scheduled(self, number: int, scheduled_on: date, agenda: str) -> None:
        self.sessions.append(Session(number, scheduled_on, agenda))

    def session(self, number: int) -> Session:
        if not 1 <= number <= len(self.sessions):
            raise InvariantViolation(f"Group '{self.name}' has no session {number}.")
        return self.sessions[number - 1]

    def record_session_held(self, cohort: Cohort, number: int, today: date) -> None:
        self._require_cohort(cohort)
        session = self.session(number)
        if session.held:
            raise InvariantViolation(f"Session {number} is already recorded as held.")
        if session.scheduled_on > today:
            raise InvariantViolation(
                f"Session {number} is scheduled for {session.scheduled_on}; it cannot have "
                "taken place yet."
            )
        self._session_held(number=number)

    @event("SessionHeld")
    def _session_held(self, number: int) -> None:
        self.sessions[number - 1].held = True

    def record_attendance(
        self, cohort: Cohort, number: int, mentee_id: UUID, present: bool
    ) -> None:
        self._require_cohort(cohort)
        session = self.session(number)
        if mentee_id not in self.mentee_ids:
            raise InvariantViolation(
                f"Attendance is only recorded for members of group '{self.name}'."
            )
        if not session.held:
            raise InvariantViolation(
                f"Session {number} has not taken place; record it as held first."
            )
        self._attendance_recorded(number=number, mentee_id=mentee_id, present=present)

    @event("AttendanceRecorded")
    def _attendance_recorded(self, number: int, mentee_id: UUID, present: bool) -> None:
        self.sessions[number - 1].attendance[mentee_id] = present


def form_group(cohort: Cohort, mentor: Mentor, name: str) -> Group:
    """Form a group in ``cohort`` led by ``mentor``, within the mentor's capacity."""
    cohort.require_open()
    cohort.require_same_tenant(mentor, "The mentor")
    mentor.require_available("The mentor")
    name = require_text("name", name)
    group_id = uuid4()
    cohort.register_group(group_id, mentor.id, mentor.capacity)
    return Group(
        id=group_id,
        tenant_id=cohort.tenant_id,
        cohort_id=cohort.id,
        name=name,
        mentor_id=mentor.id,
        min_size=cohort.min_group_size,
        max_size=cohort.max_group_size,
        planned_sessions=cohort.planned_sessions,
    )
