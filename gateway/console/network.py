"""The network operator's page: the protected programme statistics of the latest release,
by PIN, profession, cohort or in total, as charts and a table.

The figures are the API's ``networkStatistics`` as they are: a withheld (suppressed) count is
shown as "suppressed", never as a number, and nothing is computed from the others.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.console.charts import Series
from gateway.console.funder import OUTCOMES, Chart, chart
from gateway.console.graphql_client import run
from gateway.console.pages import add_navigation, feature_router, render, require_role
from gateway.console.strings import t

DIMENSIONS = ("PIN", "PROFESSION", "COHORT", "TOTAL")
STATISTICS_ROLES = ("network", "funder", "admin", "coordinator")
"""The statistics are a public release; every signed-in role may read them."""

router = feature_router()
for _role in ("network", "funder", "admin"):
    add_navigation(_role, "nav.network", "/network")


def values(metric_values: list[dict[str, Any]]) -> dict[str, int | None]:
    """Metric -> value; None where the release withholds it."""
    return {m["metric"]: None if m["suppressed"] else m["value"] for m in metric_values}


def when(iso: str) -> str:
    """A release's time as people read it (UTC, to the minute)."""
    moment = datetime.fromisoformat(iso).astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def rate_text(figures: dict[str, int | None], rate: float | None) -> str | None:
    """The attendance rate as shown: None when a count it needs is withheld."""
    if rate is not None:
        return f"{rate * 100:.1f}%"
    counts = [figures.get(m, 0) for m in ("attendance_present", "attendance_absent")]
    return None if None in counts else t("network.not_applicable")


def _charts(labels: list[str], rows: list[dict[str, int | None]], by: str) -> list[Chart]:
    present = set().union(*(r.keys() for r in rows)) if rows else set()
    per = t(f"network.per.{by}")

    def series(metric: str) -> Series:
        return Series(t(f"figure.{metric}"), [r.get(metric) for r in rows])

    charts = [
        chart(t("network.chart", what=t(f"figure.{m}"), per=per), labels, [series(m)])
        for m in ("mentees_served", "mentees_moved_forward")
        if m in present
    ]
    outcomes = [m for m in OUTCOMES if m in present]
    if outcomes:
        title = t("network.chart", what=t("network.outcomes"), per=per)
        charts.append(chart(title, labels, [series(m) for m in outcomes]))
    attendance = [m for m in ("attendance_present", "attendance_absent") if m in present]
    if attendance:
        title = t("network.chart", what=t("network.attendance"), per=per)
        charts.append(chart(title, labels, [series(m) for m in attendance]))
    return charts


@router.get("/network")
async def network_statistics(request: Request, by: str = "PIN") -> Response:
    """The latest release of the statistics, by the dimension chosen (PIN by default)."""
    await require_role(request, *STATISTICS_ROLES)
    by = by.upper() if by.upper() in DIMENSIONS else "PIN"
    stats = (await run(request, "NetworkStatistics", {"by": by}))["networkStatistics"]
    cells = [(c["label"], values(c["values"])) for c in stats["cells"]]
    rates = [
        rate_text(v, c["attendanceRate"]) for (_, v), c in zip(cells, stats["cells"], strict=True)
    ]
    total = values(stats["total"])
    metrics = list(total) or list(dict.fromkeys(m for _, v in cells for m in v))
    rows = [v for _, v in cells] if by != "TOTAL" else [total]
    labels = [label for label, _ in cells] if by != "TOTAL" else [t("funder.total")]
    return await render(
        request,
        "network/statistics.html",
        stats=stats,
        by=by,
        dimensions=[(d, t(f"network.by.{d}")) for d in DIMENSIONS],
        cells=[(label, v, rate) for (label, v), rate in zip(cells, rates, strict=True)],
        total=total,
        released=when(stats["release"]["releasedAt"]) if stats["release"] else "",
        total_rate=rate_text(total, stats["totalAttendanceRate"]),
        metrics=metrics,
        charts=_charts(labels, rows, by) if stats["release"] else [],
    )
