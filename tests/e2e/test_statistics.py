"""Cross-network statistics: public counts, computed by the projection, small cells hidden."""

from __future__ import annotations

from datetime import date
from typing import Any

from gateway.bootstrap import Platform
from services.context import Role
from services.demo import seed_demo
from tests.conftest import GraphQLClient

STATISTICS = """query($by: StatisticsDimension!) {
  networkStatistics(by: $by) {
    threshold
    cells { key label attendanceRate values { metric value suppressed } }
    total { metric value suppressed }
    totalAttendanceRate
  }
}"""


def _seeded(platform: Platform) -> None:
    seed_demo(platform.store, today=date(2026, 11, 1))
    platform.catch_up(platform.store.recorder.max_notification_id() or 0)


def _by_metric(values: list[dict[str, Any]]) -> dict[str, int | None]:
    return {v["metric"]: v["value"] for v in values}


def test_statistics_count_the_whole_programme_and_hide_small_cells(
    platform: Platform, gateway: GraphQLClient
) -> None:
    _seeded(platform)
    network = gateway.token(Role.NETWORK, tenant=None, subject="imn")
    for by in ("PIN", "PROFESSION", "COHORT", "TOTAL"):
        stats = gateway.data(STATISTICS, {"by": by}, token=network)["networkStatistics"]
        total = _by_metric(stats["total"])
        assert total["mentees_served"] == 72, by
        for metric, value in total.items():
            cells = [_by_metric(c["values"])[metric] for c in stats["cells"]]
            assert all(v is None or v >= 10 for v in cells), (by, metric)
            if value is not None:
                assert cells.count(None) != 1, (by, metric)  # total minus the rest
    by_pin = gateway.data(STATISTICS, {"by": "PIN"}, token=network)["networkStatistics"]
    arec = next(c for c in by_pin["cells"] if c["label"].startswith("Association of Romanian"))
    assert _by_metric(arec["values"])["mentees_served"] == 17
    assert _by_metric(arec["values"])["outcome_job_in_field"] is None  # 3: too few to publish


def test_statistics_are_public_and_carry_no_personal_data(
    platform: Platform, gateway: GraphQLClient
) -> None:
    _seeded(platform)
    body = gateway.data(STATISTICS, {"by": "COHORT"}, token=None)["networkStatistics"]
    text = str(body)
    assert "Pilot 2024" in text
    assert "@" not in text  # no e-mail, no name of a person
    names = gateway.data(
        "{ mentees(first: 3) { edges { node { name } } } }", token=gateway.token(tenant="arec")
    )
    for edge in names["mentees"]["edges"]:
        assert edge["node"]["name"] not in text
