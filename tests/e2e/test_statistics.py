"""Cross-network statistics: public counts from the latest release, small cells hidden."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from gateway.bootstrap import Platform
from services.context import Role
from services.demo import seed_demo
from tests.conftest import GraphQLClient

STATISTICS = """query($by: StatisticsDimension!) {
  networkStatistics(by: $by) {
    threshold
    release { id position threshold }
    cells { key label attendanceRate values { metric value suppressed } }
    total { metric value suppressed }
    totalAttendanceRate
  }
}"""
RELEASE = "mutation { releaseNetworkStatistics { id position threshold } }"
RECORD_OUTCOME = """mutation($mentee: ID!) {
  recordOutcome(input: {menteeId: $mentee, kind: BUSINESS_STARTED, occurredOn: "2026-04-15",
                        evidence: "Registered a structural design firm"}) { position }
}"""


def _released(platform: Platform, gateway: GraphQLClient) -> dict[str, Any]:
    """The demo programme, and a release of its statistics by the platform admin."""
    seed_demo(platform.store, today=date(2026, 11, 1))
    head = platform.store.recorder.max_notification_id() or 0
    deadline = time.monotonic() + 300
    while not platform.catch_up(head):  # a release is computed from what is projected
        assert time.monotonic() < deadline, f"the read models never reached position {head}"
    admin = gateway.token(Role.ADMIN, tenant=None, subject="platform-admin")
    release: dict[str, Any] = gateway.data(RELEASE, token=admin)["releaseNetworkStatistics"]
    return release


def _by_metric(values: list[dict[str, Any]]) -> dict[str, int | None]:
    return {v["metric"]: v["value"] for v in values}


def test_statistics_count_the_whole_programme_and_hide_small_cells(
    platform: Platform, gateway: GraphQLClient
) -> None:
    release = _released(platform, gateway)
    network = gateway.token(Role.NETWORK, tenant=None, subject="imn")
    for by in ("PIN", "PROFESSION", "COHORT", "TOTAL"):
        stats = gateway.data(STATISTICS, {"by": by}, token=network)["networkStatistics"]
        assert stats["release"] == release
        total = _by_metric(stats["total"])
        assert total["mentees_served"] == 72, by
        for metric, value in total.items():
            cells = [_by_metric(c["values"])[metric] for c in stats["cells"]]
            assert all(v is None or v == 0 or v >= 10 for v in cells), (by, metric)
            if value is not None:
                assert cells.count(None) != 1, (by, metric)  # total minus the rest
    by_pin = gateway.data(STATISTICS, {"by": "PIN"}, token=network)["networkStatistics"]
    arec = next(c for c in by_pin["cells"] if c["label"].startswith("Association of Romanian"))
    assert _by_metric(arec["values"])["mentees_served"] == 17
    assert _by_metric(arec["values"])["outcome_job_in_field"] is None  # 3: too few to publish


def test_statistics_are_public_and_carry_no_personal_data(
    platform: Platform, gateway: GraphQLClient
) -> None:
    _released(platform, gateway)
    body = gateway.data(STATISTICS, {"by": "COHORT"}, token=None)["networkStatistics"]
    text = str(body)
    assert "Pilot 2024" in text
    assert "@" not in text  # no e-mail, no name of a person
    names = gateway.data(
        "{ mentees(first: 3) { edges { node { name } } } }", token=gateway.token(tenant="arec")
    )
    for edge in names["mentees"]["edges"]:
        assert edge["node"]["name"] not in text


def test_statistics_move_only_with_the_next_release(
    platform: Platform, gateway: GraphQLClient
) -> None:
    release = _released(platform, gateway)
    before = {
        by: gateway.data(STATISTICS, {"by": by}, token=None)["networkStatistics"]
        for by in ("PIN", "TOTAL")
    }
    coordinator = gateway.token(tenant="arec")
    mentees = gateway.data("{ mentees(first: 1) { edges { node { id } } } }", token=coordinator)
    mentee = mentees["mentees"]["edges"][0]["node"]["id"]
    position = gateway.data(RECORD_OUTCOME, {"mentee": mentee}, token=coordinator)["recordOutcome"][
        "position"
    ]
    assert platform.catch_up(position)
    for by, stats in before.items():  # written and projected, but not released
        assert gateway.data(STATISTICS, {"by": by}, token=None)["networkStatistics"] == stats
    admin = gateway.token(Role.ADMIN, tenant=None, subject="platform-admin")
    after = gateway.data(RELEASE, token=admin)["releaseNetworkStatistics"]
    assert after["id"] == release["id"] + 1
    assert after["position"] >= position
    served = gateway.data(STATISTICS, {"by": "TOTAL"}, token=None)["networkStatistics"]
    assert served["release"] == after
