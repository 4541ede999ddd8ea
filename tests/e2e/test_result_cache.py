"""Cached query results never outlive a change of the read models, nor cross callers."""

from __future__ import annotations

from tests.conftest import GraphQLClient
from tests.e2e.conftest import ENROL_MENTEE, PinProgramme

COUNT = "{ mentees { totalCount } }"


def test_a_repeated_query_sees_a_write_made_in_between(
    gateway: GraphQLClient, arec: PinProgramme
) -> None:
    assert gateway.data(COUNT, token=arec.token)["mentees"]["totalCount"] == 6
    assert gateway.data(COUNT, token=arec.token)["mentees"]["totalCount"] == 6  # from the cache
    gateway.data(ENROL_MENTEE, {"name": "Late newcomer"}, token=arec.token)
    assert gateway.data(COUNT, token=arec.token)["mentees"]["totalCount"] == 7


def test_the_same_document_from_another_pin_is_never_answered_from_the_first_pins_cache(
    gateway: GraphQLClient, arec: PinProgramme, cniea: PinProgramme
) -> None:
    assert gateway.data(COUNT, token=arec.token)["mentees"]["totalCount"] == 6
    assert gateway.data(COUNT, token=cniea.token)["mentees"]["totalCount"] == 5
    assert gateway.error_code(COUNT, token=None) == "UNAUTHENTICATED"
