"""The funder's dashboard: the report of the latest signed checkpoint as charts and tables,
its downloads (JSON exactly as ``mentoring audit verify`` checks it, CSV as ``mentoring report
--format csv`` writes it, and the signed checkpoint), and a panel that checks the signatures
in the browser (``static/verify.js``) against the key the funder holds.

Everything comes from the API's ``funderReport`` (funders, network operators, and a
coordinator for their own PIN).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from gateway.console.charts import Series, bar_chart
from gateway.console.graphql_client import NotFound, run
from gateway.console.pages import add_navigation, feature_router, message_page, render, require_role
from gateway.console.strings import t
from projections.audit.funder_report import rows

REPORT_ROLES = ("funder", "network", "coordinator")
OUTCOMES = (
    "outcome_job_in_field",
    "outcome_job_outside_field",
    "outcome_business_started",
    "outcome_licence_obtained",
    "outcome_licensing_exam_passed",
    "outcome_further_education",
)

router = feature_router()
for _role in ("funder", "network"):
    add_navigation(_role, "nav.funder", "/funder")


@dataclass(frozen=True)
class Chart:
    """A chart and the same figures as a table (rows: categories; columns: series)."""

    title: str
    svg: Markup
    categories: Sequence[str]
    series: Sequence[Series]
    unit: str = ""

    def rows(self) -> list[tuple[str, list[int | float | None]]]:
        return [(c, [s.values[i] for s in self.series]) for i, c in enumerate(self.categories)]


def chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "",
    maximum: float | None = None,
) -> Chart:
    svg = bar_chart(
        title,
        categories,
        series,
        suppressed_label=t("chart.suppressed"),
        unit=unit,
        maximum=maximum,
    )
    return Chart(title, svg, categories, series, unit)


def figures(column: dict[str, Any]) -> dict[str, int | None]:
    """A report column's figures by name; None where withheld (suppressed) or not stated."""
    return {f["name"]: None if f["suppressed"] else f["value"] for f in column["figures"]}


def pin_label(pin: str | None) -> str:
    return pin.upper() if pin else t("funder.total")


def _charts(report: dict[str, Any]) -> list[Chart]:
    sections = report["sections"]
    programme = next((s for s in sections if s["kind"] == "programme"), None)
    rounds = [s for s in sections if s["kind"] == "round"]
    if programme is None:  # a coordinator's report of a PIN that ran no round yet
        return []
    round_names = [s["name"] for s in rounds]
    round_totals = [figures(s["total"]) for s in rounds]
    pins = [figures(c) for c in programme["columns"]]
    pin_names = [pin_label(c["pin"]) for c in programme["columns"]]
    everywhere = [*round_names, t("funder.programme")]
    all_totals = [*round_totals, figures(programme["total"])]

    def series(name: str, of: Sequence[dict[str, int | None]]) -> Series:
        return Series(t(f"figure.{name}"), [f.get(name) for f in of])

    def percent(title: str, name: str) -> Chart:
        """A rate, on a scale of 0 to 100 %, of each round and of the programme."""
        return chart(title, everywhere, [series(name, all_totals)], unit="%", maximum=100)

    return [
        chart(
            t("funder.chart_served_rounds"), round_names, [series("mentees_served", round_totals)]
        ),
        chart(t("funder.chart_served_pins"), pin_names, [series("mentees_served", pins)]),
        percent(t("funder.chart_moved_forward"), "moved_forward_percent"),
        chart(
            t("funder.chart_outcomes_rounds"),
            round_names,
            [series(kind, round_totals) for kind in OUTCOMES],
        ),
        chart(t("funder.chart_outcomes_pins"), pin_names, [series(k, pins) for k in OUTCOMES]),
        chart(
            t("funder.chart_attendance"),
            everywhere,
            [series("attendance_present", all_totals), series("attendance_absent", all_totals)],
        ),
        percent(t("funder.chart_attendance_rate"), "attendance_rate_percent"),
    ]


def _headlines(report: dict[str, Any]) -> dict[str, int | None]:
    programme = next((s for s in report["sections"] if s["kind"] == "programme"), None)
    return figures(programme["total"]) if programme else {}


@router.get("/funder")
async def funder_dashboard(request: Request) -> Response:
    """Charts and tables of the report, its downloads, and the signature check."""
    await require_role(request, *REPORT_ROLES)
    try:
        data = await run(request, "FunderReport")
    except NotFound:  # no checkpoint signed yet: the report has nothing to rest on
        return await message_page(request, 404, t("funder.title"), t("funder.no_checkpoint"))
    report = data["funderReport"]
    return await render(
        request,
        "funder/dashboard.html",
        report=report,
        headline=_headlines(report),
        charts=_charts(report),
        public_key=data["auditPublicKey"],
        pin_label=pin_label,
        figures=figures,
    )


async def _files(request: Request) -> dict[str, Any]:
    await require_role(request, *REPORT_ROLES)
    report: dict[str, Any] = (await run(request, "FunderReportFiles"))["funderReport"]
    return report


def _download(body: str, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/funder/report.json")
async def report_json(request: Request) -> Response:
    """The report's JSON exactly as the API states it (what ``audit verify --report`` reads)."""
    report = await _files(request)
    size = report["checkpointTreeSize"]
    return _download(report["document"], "application/json", f"funder-report-{size}.json")


@router.get("/funder/report.csv")
async def report_csv(request: Request) -> Response:
    """The report as rows (section, PIN, figure), as ``mentoring report --format csv``."""
    report = await _files(request)
    table = rows(json.loads(report["document"]))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(table[0]) if table else ["section"])
    writer.writeheader()
    writer.writerows(table)
    size = report["checkpointTreeSize"]
    return _download(out.getvalue(), "text/csv; charset=utf-8", f"funder-report-{size}.csv")


@router.get("/funder/checkpoint.json")
async def checkpoint_json(request: Request) -> Response:
    """The signed checkpoint the report names (keep it: ``audit verify --checkpoint``)."""
    report = await _files(request)
    if report["checkpoint"] is None:
        raise NotFound()
    size = report["checkpointTreeSize"]
    return _download(
        report["checkpoint"]["document"], "application/json", f"checkpoint-{size}.json"
    )
