"""The cohort: one round of group mentoring in a PIN, and who is placed where in it."""

from __future__ import annotations

from collections import Counter
from dataclasses import field
from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.base import TenantAggregate
from domain.errors import InvalidValue, InvariantViolation
from domain.values import CohortState, DateRange, require_text

DEFAULT_PLANNED_SESSIONS = 5
DEFAULT_MIN_GROUP_SIZE = 5
DEFAULT_MAX_GROUP_SIZE = 6


class Cohort(TenantAggregate, created_event_name="Planned"):
    """A round (about four months, five sessions per group) moving planning → running → closed.

    The cohort keeps the register of placements, so that "a mentee is in at most one
    group per round" and "a mentor leads at most their capacity of groups per round"
    are decided by one aggregate and saved atomically with the group they concern.
    """

    name: str
    starts_on: date
    ends_on: date
    planned_sessions: int
    min_group_size: int
    max_group_size: int
    state: CohortState = field(default=CohortState.PLANNING, init=False)
    group_ids: list[UUID] = field(default_factory=list, init=False)
    mentee_groups: dict[UUID, UUID] = field(default_factory=dict, init=False)
    mentor_groups: Counter[UUID] = field(default_factory=Counter, init=False)

    @classmethod
    def plan(
        cls,
        tenant_id: UUID,
        name: str,
        starts_on: date,
        ends_on: date,
        planned_sessions: int = DEFAULT_PLANNED_SESSIONS,
        min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
        max_group_size: int = DEFAULT_MAX_GROUP_SIZE,
    ) -> Cohort:
        DateRange(starts_on, ends_on)
        if not 1 <= planned_sessions <= 20:
            raise InvalidValue("planned sessions must be between 1 and 20.")
        if not 1 <= min_group_size <= max_group_size <= 12:
            raise InvalidValue("group sizes must satisfy 1 <= minimum <= maximum <= 12.")
        return cls(
            tenant_id=tenant_id,
            name=require_text("name", name),
            starts_on=starts_on,
            ends_on=ends_on,
            planned_sessions=planned_sessions,
            min_group_size=min_group_size,
            max_group_size=max_group_size,
        )

    @property
    def dates(self) -> DateRange:
        return DateRange(self.starts_on, self.ends_on)

    @property
    def is_closed(self) -> bool:
        return self.state == CohortState.CLOSED

    def require_open(self) -> None:
        if self.is_closed:
            raise InvariantViolation(f"Cohort '{self.name}' is closed and accepts no changes.")

    def _require_state(self, state: CohortState, rule: str) -> None:
        if self.state != state:
            raise InvariantViolation(f"{rule}; '{self.name}' is {self.state}.")

    def start(self) -> None:
        self._require_state(CohortState.PLANNING, "Only a cohort in planning can start")
        self._started()

    @event("Started")
    def _started(self) -> None:
        self.state = CohortState.RUNNING

    def close(self) -> None:
        self._require_state(CohortState.RUNNING, "Only a running cohort can close")
        self._closed()

    @event("Closed")
    def _closed(self) -> None:
        self.state = CohortState.CLOSED

    def register_group(self, group_id: UUID, mentor_id: UUID, mentor_capacity: int) -> None:
        self.require_open()
        if self.mentor_groups[mentor_id] >= mentor_capacity:
            raise InvariantViolation(
                f"The mentor already leads {self.mentor_groups[mentor_id]} group(s) in "
                f"'{self.name}', their capacity is {mentor_capacity}."
            )
        self._group_registered(group_id=group_id, mentor_id=mentor_id)

    @event("GroupRegistered")
    def _group_registered(self, group_id: UUID, mentor_id: UUID) -> None:
        self.group_ids.append(group_id)
        self.mentor_groups[mentor_id] += 1

    def place_mentee(self, mentee_id: UUID, group_id: UUID) -> None:
        self.require_open()
        if group_id not in self.group_ids:
            raise InvariantViolation("The group does not belong to this cohort.")
        current = self.mentee_groups.get(mentee_id)
        if current is not None:
            raise InvariantViolation(
                "The mentee is already in "
                + ("this group" if current == group_id else "another group")
                + f" of '{self.name}'; a mentee is in at most one group per round."
            )
        self._mentee_placed(mentee_id=mentee_id, group_id=group_id)

    @event("MenteePlaced")
    def _mentee_placed(self, mentee_id: UUID, group_id: UUID) -> None:
        self.mentee_groups[mentee_id] = group_id

    def release_mentee(self, mentee_id: UUID) -> None:
        self.require_open()
        if mentee_id not in self.mentee_groups:
            raise InvariantViolation(f"The mentee is not placed in '{self.name}'.")
        self._mentee_released(mentee_id=mentee_id)

    @event("MenteeReleased")
    def _mentee_released(self, mentee_id: UUID) -> None:
        del self.mentee_groups[mentee_id]
