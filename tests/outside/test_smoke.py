"""The served demo answers a coordinator over TCP, and only with their own PIN."""

from __future__ import annotations

from tests.outside.conftest import Served


def test_a_coordinator_reads_their_own_cohorts_over_tcp(served: Served) -> None:
    data = served.data("{ pin { slug } cohorts { totalCount } }", token=served.token())
    assert data["pin"]["slug"] == "arec"
    assert data["cohorts"]["totalCount"] >= 1
    served.alive()
