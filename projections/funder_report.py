"""Funder reports: per cohort, per round and for the programme, per PIN and in total.

A report is a pure function of the stored events up to a checkpoint, so the served report and
one an auditor recomputes from a verified export are the same document. Figures per PIN
and section: mentees served, mentors, groups, sessions planned and held, attendance,
trainings completed, outcomes by kind, mentees who moved forward (recorded any outcome).

Attribution: a round is the set of cohorts of that name across PINs. An outcome counts for
the cohort it names (``cohort_id``); the programme counts every outcome. A training counts
for the earliest cohort of that person (as mentee or mentor) ending on or after it, else
their last one; the programme counts every training of the PIN.

Anything published across PINs goes through small-cell suppression
(``domain.disclosure.suppress``): a PIN's count under the threshold is withheld, with a
complementary cell so no withheld count can be subtracted back out. A total over two or more
PINs is the programme's own figure and is published as it is (the funder pays by it); a
section of one PIN publishes its total only where the PIN's own cell is visible.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.disclosure import suppress
from domain.envelope import EventEnvelope
from domain.values import OutcomeKind

REPORT_FORMAT = 1
OUTCOME_METRICS = tuple(f"outcome_{kind.value}" for kind in OutcomeKind)
COUNTS = (
    "mentees_served",
    "mentors",
    "groups",
    "sessions_planned",
    "sessions_held",
    "attendance_present",
    "attendance_recorded",
    "mentee_trainings",
    "mentor_trainings",
    *OUTCOME_METRICS,
    "mentees_moved_forward",
)
RATES = {
    "attendance_rate_percent": ("attendance_present", "attendance_recorded"),
    "moved_forward_percent": ("mentees_moved_forward", "mentees_served"),
}


@dataclass
class _Cohort:
    tenant_id: str
    name: str
    starts_on: str
    ends_on: str
    position: int


@dataclass
class _Group:
    tenant_id: str
    cohort_id: str
    mentor_id: str
    planned_sessions: int
    members: set[str] = field(default_factory=set)
    held: set[int] = field(default_factory=set)
    attendance: dict[tuple[int, str], bool] = field(default_factory=dict)


@dataclass
class ProgrammeFacts:
    """What the events say, gathered in one pass in store order."""

    pins: dict[str, str] = field(default_factory=dict)  # tenant id -> slug, in order
    cohorts: dict[str, _Cohort] = field(default_factory=dict)
    groups: dict[str, _Group] = field(default_factory=dict)
    mentors: set[str] = field(default_factory=set)
    trainings: list[tuple[str, str, str]] = field(default_factory=list)  # tenant, person, day
    outcomes: list[tuple[str, str, str, str | None]] = field(default_factory=list)

    def add(self, e: EventEnvelope) -> None:
        p, kind = e.payload, e.event_type
        if kind == "Pin.Registered":
            self.pins.setdefault(e.tenant_id, str(p["slug"]))
        elif kind == "Cohort.Planned":
            self.cohorts[e.aggregate_id] = _Cohort(
                e.tenant_id, str(p["name"]), str(p["starts_on"]), str(p["ends_on"]), e.position
            )
        elif kind == "Group.Formed":
            self.groups[e.aggregate_id] = _Group(
                e.tenant_id, str(p["cohort_id"]), str(p["mentor_id"]), int(p["planned_sessions"])
            )
        elif kind == "Group.MenteeAdded":
            self.groups[e.aggregate_id].members.add(str(p["mentee_id"]))
        elif kind == "Group.MenteeRemoved":
            self.groups[e.aggregate_id].members.discard(str(p["mentee_id"]))
        elif kind == "Group.SessionHeld":
            self.groups[e.aggregate_id].held.add(int(p["number"]))
        elif kind == "Group.AttendanceRecorded":
            key = (int(p["number"]), str(p["mentee_id"]))
            self.groups[e.aggregate_id].attendance[key] = bool(p["present"])
        elif kind == "Mentor.Enrolled":
            self.mentors.add(e.aggregate_id)
        elif kind == "Person.TrainingCompleted":
            self.trainings.append((e.tenant_id, e.aggregate_id, str(p["completed_on"])))
        elif kind == "Mentee.OutcomeRecorded":
            cohort = p.get("cohort_id")
            self.outcomes.append(
                (e.tenant_id, e.aggregate_id, str(p["kind"]), str(cohort) if cohort else None)
            )


def gather(envelopes: Iterable[EventEnvelope]) -> ProgrammeFacts:
    facts = ProgrammeFacts()
    for envelope in envelopes:
        facts.add(envelope)
    return facts


class _Figures:
    """Counts of one PIN over a set of cohorts (None: the whole programme)."""

    def __init__(self, facts: ProgrammeFacts) -> None:
        self.facts = facts
        cohorts_of: dict[str, set[str]] = defaultdict(set)
        for group in facts.groups.values():
            cohorts_of[group.mentor_id].add(group.cohort_id)
            for mentee in group.members:
                cohorts_of[mentee].add(group.cohort_id)
        self.training_cohort: list[str | None] = []
        for _, person, day in facts.trainings:
            ordered = sorted(
                (c for c in cohorts_of.get(person, ()) if c in facts.cohorts),
                key=lambda c: (facts.cohorts[c].ends_on, facts.cohorts[c].position),
            )
            later = [c for c in ordered if facts.cohorts[c].ends_on >= day]
            self.training_cohort.append(later[0] if later else (ordered[-1] if ordered else None))

    def count(self, tenant: str, cohorts: set[str] | None) -> dict[str, int]:
        f = self.facts
        groups = [
            g
            for g in f.groups.values()
            if g.tenant_id == tenant and (cohorts is None or g.cohort_id in cohorts)
        ]
        mentees = set().union(*(g.members for g in groups)) if groups else set()
        attendance = [present for g in groups for present in g.attendance.values()]
        figures = {
            "mentees_served": len(mentees),
            "mentors": len({g.mentor_id for g in groups}),
            "groups": len(groups),
            "sessions_planned": sum(g.planned_sessions for g in groups),
            "sessions_held": sum(len(g.held) for g in groups),
            "attendance_present": sum(attendance),
            "attendance_recorded": len(attendance),
            "mentee_trainings": 0,
            "mentor_trainings": 0,
        }
        for (t, person, _), cohort in zip(f.trainings, self.training_cohort, strict=True):
            if t == tenant and (cohorts is None or cohort in cohorts):
                role = "mentor_trainings" if person in f.mentors else "mentee_trainings"
                figures[role] += 1
        moved: set[str] = set()
        by_kind = dict.fromkeys(OUTCOME_METRICS, 0)
        for t, mentee, kind, cohort in f.outcomes:
            if t == tenant and (cohorts is None or cohort in cohorts):
                by_kind[f"outcome_{kind}"] = by_kind.get(f"outcome_{kind}", 0) + 1
                moved.add(mentee)
        figures.update(by_kind)
        figures["mentees_moved_forward"] = len(moved)
        return figures


def _percent(part: int | None, whole: int | None) -> int | None:
    if part is None or not whole:
        return None
    return (200 * part + whole) // (2 * whole)  # rounded half up


def _column(pin: str | None, figures: dict[str, int | None]) -> dict[str, Any]:
    values: dict[str, int | None] = dict(figures)
    for rate, (part, whole) in RATES.items():
        values[rate] = _percent(figures.get(part), figures.get(whole))
    return {
        "pin": pin,
        "figures": values,
        "suppressed": sorted(
            k
            for k, v in values.items()
            if v is None and (k not in RATES or None in (figures.get(x) for x in RATES[k]))
        ),
        "headline": headline(values),
    }


def _plural(n: int | None, one: str, many: str) -> str:
    return f"suppressed {many}" if n is None else f"{n} {one if n == 1 else many}"


def headline(figures: dict[str, int | None]) -> str:
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


def _publish(
    cells: dict[str, dict[str, int]], threshold: int, suppressed: bool
) -> tuple[dict[str, dict[str, int | None]], dict[str, int | None]]:
    """Per-PIN cells and the total of one section, suppressed where published across PINs."""
    out: dict[str, dict[str, int | None]] = {pin: {} for pin in cells}
    total: dict[str, int | None] = {}
    for metric in COUNTS:
        row = {pin: figures[metric] for pin, figures in cells.items()}
        if not suppressed:
            for pin, value in row.items():
                out[pin][metric] = value
            total[metric] = sum(row.values())
            continue
        published = suppress(row, threshold)
        shown = dict(published.cells)
        if len(row) >= 2:
            # The total of several PINs is published, so one withheld cell is never alone.
            hidden = [pin for pin, value in shown.items() if value is None]
            visible = sorted((v, pin) for pin, v in shown.items() if v is not None)
            if len(hidden) == 1 and visible:
                shown[visible[0][1]] = None
            total[metric] = sum(row.values())
        else:
            total[metric] = published.total
        for pin, shown_value in shown.items():
            out[pin][metric] = shown_value
    return out, total


def funder_report(
    facts: ProgrammeFacts, *, threshold: int, tenant: str | None = None
) -> list[dict[str, Any]]:
    """The report's sections: the programme, each round, each cohort.

    ``tenant`` narrows the report to that PIN's own figures, unsuppressed (what its
    coordinator sees); without it the report spans every PIN, suppressed.
    """
    counter = _Figures(facts)
    suppressed = tenant is None
    slugs = facts.pins
    tenants = [t for t in slugs if tenant is None or t == tenant]
    sections: list[dict[str, Any]] = []

    def section(kind: str, name: str, units: list[tuple[str, set[str] | None]]) -> None:
        cells = {slugs[t]: counter.count(t, cohorts) for t, cohorts in units}
        shown, total = _publish(cells, threshold, suppressed)
        sections.append(
            {
                "kind": kind,
                "name": name,
                "columns": [_column(slug, figures) for slug, figures in shown.items()],
                "total": _column(None, total),
            }
        )

    section("programme", "Programme", [(t, None) for t in tenants])
    rounds: dict[str, list[str]] = defaultdict(list)
    for cohort_id, cohort in sorted(
        facts.cohorts.items(), key=lambda item: (item[1].starts_on, item[1].position)
    ):
        rounds[cohort.name].append(cohort_id)
    for name, cohort_ids in rounds.items():
        by_tenant: dict[str, set[str]] = defaultdict(set)
        for cohort_id in cohort_ids:
            by_tenant[facts.cohorts[cohort_id].tenant_id].add(cohort_id)
        units: list[tuple[str, set[str] | None]] = [
            (t, by_tenant[t]) for t in tenants if t in by_tenant
        ]
        if units:
            section("round", name, units)
    for name, cohort_ids in rounds.items():
        for cohort_id in cohort_ids:
            tenant = facts.cohorts[cohort_id].tenant_id
            if tenant in tenants:
                section("cohort", f"{slugs[tenant].upper()}: {name}", [(tenant, {cohort_id})])
                sections[-1]["cohort_id"] = cohort_id
    return sections


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
