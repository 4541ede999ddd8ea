"""Every domain event is handled by the tenant views or listed as one they ignore."""

from __future__ import annotations

from typing import Any, cast

import pytest
from eventsourcing.domain import event

from domain.base import TenantAggregate
from projections import follow_up_views
from projections.events import Cohort, Group, Mentee, Person, Pin
from projections.facts import Facts
from projections.handling import PolicyError, compose, domain_events, event_type
from projections.matching import views as matching_views
from projections.privacy import views as privacy_views
from projections.tenant_views import IGNORED, policy, tenant_views_table


def test_the_walk_finds_the_events_of_every_aggregate() -> None:
    found = {event_type(c) for c in domain_events()}
    for named in (Pin.Registered, Mentee.Enrolled, Person.Erased, Group.AttendanceRecorded):
        assert event_type(named) in found
    # eventsourcing redefines inherited events in each subclass; only the defining class's
    # are recorded (a mentee's erasure is ``Person.Erased``)
    assert "Mentee.Erased" not in found


def test_every_domain_event_is_handled_or_ignored() -> None:
    handled = policy(Facts())  # raises if one is neither
    ignored = {event_type(c) for c in IGNORED}
    for event_class in domain_events():
        assert event_type(event_class) in handled.keys() | ignored, event_type(event_class)
    assert not handled.keys() & ignored


def test_the_string_keys_are_the_classes_qualified_names() -> None:
    assert event_type(Mentee.Enrolled) == "Mentee.Enrolled"
    assert event_type(Cohort.Planned) == "Cohort.Planned"


class Badge(TenantAggregate):
    """An aggregate that a later change might add to ``domain/`` (this one is not in it)."""

    def award(self) -> None:
        self._awarded()

    @event("Awarded")
    def _awarded(self) -> None:
        pass


TABLES = (
    tenant_views_table(Facts()),
    follow_up_views.POLICY,
    matching_views.POLICY,
    privacy_views.POLICY,
)


def test_a_new_event_class_that_no_table_handles_fails_the_composition() -> None:
    awarded: type = cast(Any, Badge).Awarded
    events = [*domain_events(), *domain_events([Badge])]
    assert awarded in events
    with pytest.raises(PolicyError, match=r"Badge\.Awarded"):
        compose(*TABLES, ignored=IGNORED, events=events)
    # listed as ignored, or handled, it composes
    assert "Pin.Registered" in compose(*TABLES, ignored=[*IGNORED, awarded], events=events)
    handled = compose(*TABLES, {awarded: TABLES[0][Pin.Registered]}, ignored=IGNORED, events=events)
    assert "Badge.Awarded" in handled


def test_an_event_two_tables_handle_fails_the_composition() -> None:
    table = TABLES[0]
    with pytest.raises(PolicyError, match=r"Pin\.Registered"):
        compose(table, {Pin.Registered: table[Pin.Registered]}, ignored=IGNORED, events=[])
