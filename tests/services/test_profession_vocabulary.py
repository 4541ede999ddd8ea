"""Enrolment takes only a profession the PIN lists; people keep theirs when the list changes."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidValue
from domain.people import Mentee
from domain.pin import Pin
from domain.values import EnglishLevel
from gateway.bootstrap import Platform
from services import commands as c
from services import use_cases as uc
from tests.services.conftest import build


def _newcomer(profession: str) -> c.EnrolMentee:
    return c.EnrolMentee(
        "Dana Lupu", profession, "Romania", ["Romanian"], EnglishLevel.BASIC, date(2024, 1, 2)
    )


def test_people_keep_a_profession_their_pin_stops_listing(platform: Platform) -> None:
    store = platform.store
    arec = build(platform, "arec", mentees=1)  # AREC lists Engineering
    engineer = arec.mentee_ids[0]
    pin: Pin = store.repository.get(arec.ctx.tenant_id)
    pin.update_profile("AREC", ["Romanian"], ["Architecture"])
    store.save(pin)

    uc.remove_mentee_from_group(store, c.RemoveMenteeFromGroup(arec.group_id, engineer), arec.ctx)
    uc.add_mentee_to_group(store, c.AddMenteeToGroup(arec.group_id, engineer), arec.ctx)
    architect = uc.enrol_mentee(store, _newcomer("architecture / Urban"), arec.ctx).id
    with pytest.raises(InvalidValue, match=r"AREC lists \(Architecture\)"):
        uc.enrol_mentee(store, _newcomer("Engineering"), arec.ctx)

    kept: Mentee = store.repository.get(engineer)
    enrolled: Mentee = store.repository.get(architect)
    assert (kept.profession, enrolled.profession) == ("Engineering", "Architecture / Urban")
