"""The tenant-views projection: exactly-once effect, resumption and a stopped projection."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from gateway.bootstrap import Platform, build_platform
from projections import queries as q
from projections.tenant_views import PoisonEvent
from services import commands as c
from services import use_cases as uc
from services.settings import Settings
from tests.services.conftest import Programme, build


def _group(platform: Platform, programme: Programme) -> q.GroupRow:
    with platform.read_models.reading(str(programme.ctx.tenant_id)) as conn:
        row = q.group(conn, str(programme.ctx.tenant_id), str(programme.group_id))
    assert row is not None
    return row


def _all_envelopes(platform: Platform) -> list:
    store = platform.store
    return [store.envelope(n) for n in store.recorder.select_notifications(1, 10_000)]


def test_a_replayed_event_does_not_double_a_count(platform: Platform) -> None:
    arec = build(platform, "arec", mentees=5)
    platform.relay.pump()
    before = _group(platform, arec)

    envelopes = _all_envelopes(platform)
    platform.views.handle(envelopes)  # the whole log delivered a second time
    platform.views.handle([e for e in envelopes if e.event_type == "Group.MenteeAdded"])

    assert before.mentee_count == 5
    assert _group(platform, arec) == before


def test_the_relay_resumes_after_a_restart_without_duplicates(settings: Settings) -> None:
    first = build_platform(settings)
    arec = build(first, "arec", mentees=3)
    first.relay.pump()
    first.close()

    second = build_platform(settings)  # events written while no relay ran are picked up
    mentee = uc.enrol_mentee(
        second.store,
        c.EnrolMentee(
            "Late newcomer", "Engineering", "Romania", ["Romanian"], "basic", date(2024, 1, 3)
        ),  # type: ignore[arg-type]
        arec.ctx,
    )
    uc.add_mentee_to_group(second.store, c.AddMenteeToGroup(arec.group_id, mentee.id), arec.ctx)
    published = second.relay.pump()

    # The enrolment, then the placement: one event each on the cohort, the mentee and the group.
    assert published == 4
    assert _group(second, arec).mentee_count == 4
    assert second.views.status.position == second.store.recorder.max_notification_id()
    second.close()


def test_an_event_the_projection_cannot_apply_stops_it_and_names_the_event(
    platform: Platform,
) -> None:
    arec = build(platform, "arec", mentees=1)
    platform.relay.pump()
    position = platform.views.status.position
    poison = replace(
        _all_envelopes(platform)[-1],
        position=position + 1,
        event_type="Group.MenteeAdded",
        payload={"unexpected": True},
    )

    # The membership's mentee is missing: the table refuses the row (NOT NULL).
    with pytest.raises(PoisonEvent, match="mentee_id"):
        platform.views.handle([poison])

    status = platform.views.status
    assert status.position == position
    assert status.error is not None
    assert f"Group.MenteeAdded at position {position + 1}" in status.error
    assert _group(platform, arec).mentee_count == 1
