"""Funder reports: per cohort, per round and for the programme, per PIN and in total.

A report is a pure function of the stored events up to a checkpoint, so the served report and
one an auditor recomputes from a verified export are the same document. Figures per PIN
and section: mentees served, mentors, groups, sessions planned and held, attendance (present
and absent), trainings completed, outcomes by kind, mentees who moved forward (recorded any
outcome). Attribution: a round is the set of cohorts of that name across PINs. An outcome
counts for the cohort it names (``cohort_id``); the programme counts every outcome. A
training counts for the earliest cohort of that person (as mentee or mentor) ending on or
after it, else their last one; the programme counts every training of the PIN.

Across PINs (what funders and network operators see) the whole report is one release,
protected together (``projections.audit.report_protection``; docs/audit.md).
A PIN's own report (``tenant``) holds its own figures, unprotected.
"""

from __future__ import annotations

from typing import Any

from projections.audit.programme_facts import COUNTS, ProgrammeFacts, microdata
from projections.audit.report_protection import (
    Figures,
    covers,
    protected,
    sections_of,
    sessions_planned,
)

REPORT_FORMAT = 3
RATES = {  # rate: (part, the counts that add up to the whole)
    "attendance_rate_percent": ("attendance_present", ("attendance_present", "attendance_absent")),
    "moved_forward_percent": ("mentees_moved_forward", ("mentees_served",)),
}


def _percent(part: int | None, whole: int | None) -> int | None:
    if part is None or not whole:
        return None
    return (200 * part + whole) // (2 * whole)  # rounded half up


def _column(pin: str | None, figures: Figures) -> dict[str, Any]:
    values: Figures = dict(figures)
    withheld = sorted(metric for metric, value in figures.items() if value is None)
    for rate, (part, whole) in RATES.items():
        parts = [figures.get(metric) for metric in whole]
        if None in parts or figures.get(part) is None:
            values[rate] = None
            withheld.append(rate)
        else:
            values[rate] = _percent(figures[part], sum(p or 0 for p in parts))
    return {
        "pin": pin,
        "figures": values,
        "suppressed": sorted(withheld),
        "headline": headline(values),
    }


def _plural(n: int | None, one: str, many: str) -> str:
    return f"suppressed {many}" if n is None else f"{n} {one if n == 1 else many}"


def headline(figures: Figures) -> str:
    """The figures funders quote, as one line."""
    served, moved = figures.get("mentees_served"), figures.get("mentees_moved_forward")
    share = figures.get("moved_forward_percent")
    forward = (
        f"{moved} of {served} ({share}%) moved forward"
        if None not in (served, moved, share)
        else "share moved forward suppressed"
    )
    return ", ".join(
        (
            _plural(served, "mentee", "mentees"),
            _plural(figures.get("outcome_job_in_field"), "job in field", "jobs in field"),
            _plural(
                figures.get("outcome_business_started"), "business started", "businesses started"
            ),
            _plural(
                figures.get("outcome_licence_obtained"), "licence obtained", "licences obtained"
            ),
            forward,
        )
    )


def funder_report(
    facts: ProgrammeFacts, *, threshold: int, tenant: str | None = None
) -> list[dict[str, Any]]:
    """The report's sections: the programme, each round, each cohort.

    ``tenant`` narrows the report to that PIN's own figures, unprotected (what its
    coordinator sees); without it the report spans every PIN, protected as one release.
    """
    tenants = [t for t in facts.pins if tenant is None or t == tenant]
    counts = microdata(facts)
    sections = sections_of(facts, tenants)
    published, inexact = (
        (None, set()) if tenant else protected(counts, sections, tenants, threshold)
    )
    report = []
    for section in sections:
        columns: list[dict[str, Any]] = []
        exact = dict.fromkeys(COUNTS, 0)
        for unit in section.units:
            figures: Figures = {}
            for metric in COUNTS:
                members = frozenset(m for m in counts[metric] if covers(m, unit))
                exact[metric] += sum(counts[metric][m] for m in members)
                figures[metric] = (
                    sum(counts[metric][m] for m in members)
                    if published is None
                    else published.get((metric, members))  # absent: a zero, never printed
                )
            if published is not None:
                figures["sessions_planned"] = sessions_planned(facts, unit, figures, threshold)
            columns.append(_column(facts.pins[unit[0]], figures))
        # Over two PINs or more the total is exact; a section of one PIN is that PIN's column.
        total: Figures = dict(exact) if len(columns) != 1 else dict(columns[0]["figures"])
        if section.kind == "round" and len(columns) > 1:
            # What the printed columns add up to, if all are printed; sessions planned follow
            # the groups (``sessions_planned``).
            follow = {"sessions_planned"} if "groups" in inexact else set()
            for metric in inexact | follow:
                shown = [column["figures"][metric] for column in columns]
                total[metric] = None if None in shown else sum(v for v in shown if v is not None)
        for rate in RATES:
            total.pop(rate, None)
        report.append(
            {
                "kind": section.kind,
                "name": section.name,
                "columns": columns,
                "total": _column(None, total),
                **({"cohort_id": section.cohort_id} if section.cohort_id else {}),
            }
        )
    return report


def report_document(
    facts: ProgrammeFacts,
    checkpoint: dict[str, Any],
    *,
    threshold: int,
    tenant: str | None = None,
) -> dict[str, Any]:
    """The whole report, naming the checkpoint (tree size and root) it was computed from."""
    return {
        "report": "funder report",
        "format": REPORT_FORMAT,
        "scope": f"pin:{facts.pins.get(tenant, tenant)}" if tenant else "programme",
        "checkpoint": {
            key: checkpoint[key]
            for key in ("tree", "origin", "tree_size", "root_hash", "issued_at", "key_id")
        },
        "small_cell_threshold": threshold,
        "suppressed_across_pins": tenant is None,
        "sections": funder_report(facts, threshold=threshold, tenant=tenant),
    }


def rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The report as flat rows (CSV): one per section, PIN (or total) and figure."""
    checkpoint = document["checkpoint"]
    out = []
    for section in document["sections"]:
        for column in [*section["columns"], section["total"]]:
            for metric, value in column["figures"].items():
                out.append(
                    {
                        "section": section["kind"],
                        "name": section["name"],
                        "cohort_id": section.get("cohort_id", ""),
                        "pin": column["pin"] or "total",
                        "figure": metric,
                        "value": "" if value is None else value,
                        "suppressed": "yes" if value is None else "",
                        "tree_size": checkpoint["tree_size"],
                        "root_hash": checkpoint["root_hash"],
                    }
                )
    return out
