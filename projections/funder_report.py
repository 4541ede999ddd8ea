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
protected together (``projections.disclosure_control.protect``; docs/audit.md):

- A total over two PINs or more (the programme, most rounds) is exact: funders pay by it. A
  round's is not where the exact totals alone would give a PIN's figure away (a PIN running a
  round alone: the programme less the other rounds); it adds up the printed columns instead.
- A figure of one PIN (in the programme, a round or a cohort) is printed only when it is at
  least the threshold, zeros included (four zeros next to an exact total of 1 name the fifth
  PIN), and only when neither the funder (knowing the exact totals) nor a PIN (knowing its
  own counts) can combine the printed figures of *all* sections into a hidden one: every
  figure is a sum of the same microcells, ``(tenant, cohort id, "")`` and ``(tenant, "", "")``
  for what a PIN counts outside its cohorts. Both attackers are taken to know those outside
  parts (nearly always nothing), so they are never counted as cover.
- Distinct people (mentees served, mentors, mentees moved forward) are not additive across
  cohorts: someone in two rounds counts in each and once in the programme. Their microcells
  are therefore the overlaps, ``(tenant, "cohort-a+cohort-b", "")``: each person counts in
  the one microcell of the set of places they are in, and every figure is again an exact sum,
  so the audit needs no inequality and leaves none out.
- Derived figures give nothing away: attendance is present and absent (recorded less present
  would be the absences), sessions planned follow the groups (``_sessions_planned``), and a
  rate is printed only where both of its counts are.

A PIN's own report (``tenant``) holds its own figures, unprotected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.envelope import EventEnvelope
from domain.values import OutcomeKind
from projections.disclosure_control import Attacker, Cell, Microcell, Protection, protect

REPORT_FORMAT = 3
OUTCOME_METRICS = tuple(f"outcome_{kind.value}" for kind in OutcomeKind)
COUNTS = (
    "mentees_served",
    "mentors",
    "groups",
    "sessions_planned",
    "sessions_held",
    "attendance_present",
    "attendance_absent",
    "mentee_trainings",
    "mentor_trainings",
    *OUTCOME_METRICS,
    "mentees_moved_forward",
)
PROTECTED = tuple(metric for metric in COUNTS if metric != "sessions_planned")
"""Figures protected by the audit; sessions planned follow the groups (``_sessions_planned``)."""
RATES = {  # rate: (part, the counts that add up to the whole)
    "attendance_rate_percent": ("attendance_present", ("attendance_present", "attendance_absent")),
    "moved_forward_percent": ("mentees_moved_forward", ("mentees_served",)),
}
OUTSIDE_COHORTS = ""
"""The place of what a PIN's programme figure counts outside any of its cohorts."""
COUNTED_OUTSIDE_COHORTS = frozenset(
    {"mentee_trainings", "mentor_trainings", *OUTCOME_METRICS, "mentees_moved_forward"}
)
"""Figures that may count something outside every cohort (a training before any group, an
outcome after the follow-up year); everything else belongs to a group, and every group to a
cohort of its PIN, as anyone who knows the programme knows."""


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

    def place(self, tenant: str, cohort_id: str | None) -> str:
        """Where a fact of ``tenant`` counts: one of its cohorts, else outside them."""
        cohort = self.cohorts.get(cohort_id or "")
        return cohort_id if cohort_id and cohort and cohort.tenant_id == tenant else OUTSIDE_COHORTS


def gather(envelopes: Iterable[EventEnvelope]) -> ProgrammeFacts:
    facts = ProgrammeFacts()
    for envelope in envelopes:
        facts.add(envelope)
    return facts


def _training_cohorts(facts: ProgrammeFacts) -> list[str | None]:
    """The cohort each training counts for (in the order of ``facts.trainings``)."""
    cohorts_of: dict[str, set[str]] = defaultdict(set)
    for group in facts.groups.values():
        cohorts_of[group.mentor_id].add(group.cohort_id)
        for mentee in group.members:
            cohorts_of[mentee].add(group.cohort_id)
    found: list[str | None] = []
    for _, person, day in facts.trainings:
        ordered = sorted(
            (c for c in cohorts_of.get(person, ()) if c in facts.cohorts),
            key=lambda c: (facts.cohorts[c].ends_on, facts.cohorts[c].position),
        )
        later = [c for c in ordered if facts.cohorts[c].ends_on >= day]
        found.append(later[0] if later else (ordered[-1] if ordered else None))
    return found


def microdata(facts: ProgrammeFacts) -> dict[str, dict[Microcell, int]]:
    """Every count of the report per metric and microcell ``(tenant, place, "")``: the place
    is a cohort id or ``OUTSIDE_COHORTS``; for distinct people, the places a person counts in,
    joined by ``+``. Every place a metric can count in is there for every PIN, zero or not
    (an overlap only where someone is in it), so a figure covers its zeros too."""
    counts: dict[str, dict[Microcell, int]] = {metric: {} for metric in COUNTS}
    for tenant in facts.pins:
        cohorts = [c for c, cohort in facts.cohorts.items() if cohort.tenant_id == tenant]
        for metric in COUNTS:
            outside = [OUTSIDE_COHORTS] if metric in COUNTED_OUTSIDE_COHORTS else []
            counts[metric].update(((tenant, place, ""), 0) for place in [*outside, *cohorts])
    people: dict[str, dict[tuple[str, str], set[str]]] = defaultdict(lambda: defaultdict(set))

    def add(metric: str, tenant: str, place: str, by: int = 1) -> None:
        if tenant in facts.pins:
            counts[metric][tenant, place, ""] = counts[metric].get((tenant, place, ""), 0) + by

    for group in facts.groups.values():
        tenant, place = group.tenant_id, facts.place(group.tenant_id, group.cohort_id)
        present = sum(group.attendance.values())
        add("groups", tenant, place)
        add("sessions_planned", tenant, place, group.planned_sessions)
        add("sessions_held", tenant, place, len(group.held))
        add("attendance_present", tenant, place, present)
        add("attendance_absent", tenant, place, len(group.attendance) - present)
        people["mentors"][tenant, group.mentor_id].add(place)
        for mentee in group.members:
            people["mentees_served"][tenant, mentee].add(place)
    for (tenant, person, _), cohort in zip(facts.trainings, _training_cohorts(facts), strict=True):
        role = "mentor_trainings" if person in facts.mentors else "mentee_trainings"
        add(role, tenant, facts.place(tenant, cohort))
    for tenant, mentee, kind, cohort in facts.outcomes:
        add(f"outcome_{kind}", tenant, facts.place(tenant, cohort))
        people["mentees_moved_forward"][tenant, mentee].add(facts.place(tenant, cohort))
    for metric, places_of in people.items():
        for (tenant, _), places in places_of.items():
            add(metric, tenant, "+".join(sorted(places)))
    return counts


Unit = tuple[str, frozenset[str] | None]
"""A column of a section: a PIN's tenant id and its cohorts in the section (None: all)."""


def _covers(microcell: Microcell, unit: Unit) -> bool:
    tenant, cohorts = unit
    places = microcell[1].split("+")
    return microcell[0] == tenant and (cohorts is None or not cohorts.isdisjoint(places))


@dataclass(frozen=True)
class _Section:
    kind: str
    name: str
    units: tuple[Unit, ...]
    cohort_id: str | None = None


def _sections(facts: ProgrammeFacts, tenants: list[str]) -> list[_Section]:
    """The programme, each round (cohorts of one name), each cohort: with their columns."""
    sections = [_Section("programme", "Programme", tuple((t, None) for t in tenants))]
    rounds: dict[str, list[str]] = defaultdict(list)
    for cohort_id, cohort in sorted(
        facts.cohorts.items(), key=lambda item: (item[1].starts_on, item[1].position)
    ):
        rounds[cohort.name].append(cohort_id)
    for name, cohort_ids in rounds.items():
        by_tenant: dict[str, set[str]] = defaultdict(set)
        for cohort_id in cohort_ids:
            by_tenant[facts.cohorts[cohort_id].tenant_id].add(cohort_id)
        units = tuple((t, frozenset(by_tenant[t])) for t in tenants if t in by_tenant)
        if units:
            sections.append(_Section("round", name, units))
    for name, cohort_ids in rounds.items():
        for cohort_id in cohort_ids:
            tenant = facts.cohorts[cohort_id].tenant_id
            if tenant in tenants:
                label = f"{facts.pins[tenant].upper()}: {name}"
                sections.append(
                    _Section("cohort", label, ((tenant, frozenset({cohort_id})),), cohort_id)
                )
    return sections


Figures = dict[str, int | None]


def _protected(
    counts: Mapping[str, Mapping[Microcell, int]],
    sections: list[_Section],
    tenants: list[str],
    threshold: int,
) -> tuple[dict[tuple[str, frozenset[Microcell]], int | None], set[str]]:
    """The published value of every nonzero figure of one PIN, by (metric, microcells): the
    whole report protected as one release, against the funder and each PIN. And the metrics
    whose round totals are not exact (``_inexact_rounds``).

    Both know what each PIN counts outside its cohorts: an attacker who assumes it is nothing
    is nearly always right, so as an unknown it would be cover that is not there (a PIN that
    ran one round only would seem to have a programme figure unrelated to its round's)."""
    cells: dict[tuple[str, frozenset[Microcell]], Cell] = {}
    # Cohorts first, so a round column that is one cohort is judged as that cohort's cell.
    order = {"cohort": 0, "programme": 1, "round": 2}
    for section in sorted(sections, key=lambda s: order[s.kind]):
        dimension = "pin" if section.kind == "programme" else section.kind
        for unit in section.units:
            key = section.cohort_id or (unit[0] if unit[1] is None else f"{unit[0]} {section.name}")
            for metric in PROTECTED:
                members = frozenset(m for m in counts[metric] if _covers(m, unit))
                if sum(counts[metric][m] for m in members) > 0:  # zeros are never printed
                    rank = f"{section.name} {unit[0]}"  # ids are random; names are not
                    cells.setdefault((metric, members), Cell(dimension, key, metric, members, rank))
    outside = tuple(
        (metric, frozenset({m}))
        for metric in PROTECTED
        for m in counts[metric]
        if OUTSIDE_COHORTS in m[1].split("+")
    )
    inexact: set[str] = set()
    while True:
        totals = tuple(
            (metric, frozenset(m for m in counts[metric] if any(_covers(m, u) for u in s.units)))
            for s in sections
            if len(s.units) >= 2
            for metric in PROTECTED
            if s.kind == "programme" or metric not in inexact
        )
        funder = Attacker("a funder", aggregates=(*totals, *outside))
        attackers = [
            funder,
            *(Attacker(f"PIN {tenant}", tenant=tenant, aggregates=outside) for tenant in tenants),
        ]
        protection = protect(
            {metric: dict(counts[metric]) for metric in PROTECTED},
            list(cells.values()),
            attackers,
            threshold,
        )
        given_away = _inexact_rounds(protection, funder.name) - inexact
        if not given_away:
            return {key: protection.published[cell] for key, cell in cells.items()}, inexact
        inexact |= given_away


def _inexact_rounds(protection: Protection, funder: str) -> set[str]:
    """The metrics whose exact totals alone give the funder a hidden figure of one PIN.

    The programme's total is exact, and so is each round's over two PINs or more, but when a
    PIN runs a round alone the programme less the other rounds is that PIN's figure there.
    For such a metric the rounds' totals are not printed exact: only what their printed
    columns add up to (``funder_report``), and the audit runs again without them."""
    return {
        interval.cell.metric for interval in protection.unresolved if interval.attacker == funder
    }


def _sessions_planned(
    facts: ProgrammeFacts, unit: Unit, figures: Figures, threshold: int
) -> int | None:
    """A PIN's sessions planned, printed only as a multiple of its printed groups.

    Every group plans its cohort's number of sessions (five in the article), so sessions
    planned next to hidden groups would give the groups away, and groups planning different
    numbers (cohorts planned differently) would give each cohort's groups."""
    tenant, cohorts = unit
    plans = {
        group.planned_sessions
        for group in facts.groups.values()
        if group.tenant_id == tenant and (cohorts is None or group.cohort_id in cohorts)
    }
    groups = figures["groups"]
    if groups is None or len(plans) != 1:
        return None
    sessions = groups * plans.pop()
    return sessions if sessions >= threshold else None


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
    sections = _sections(facts, tenants)
    published, inexact = (
        (None, set()) if tenant else _protected(counts, sections, tenants, threshold)
    )
    report = []
    for section in sections:
        columns: list[dict[str, Any]] = []
        exact = dict.fromkeys(COUNTS, 0)
        for unit in section.units:
            figures: Figures = {}
            for metric in COUNTS:
                members = frozenset(m for m in counts[metric] if _covers(m, unit))
                exact[metric] += sum(counts[metric][m] for m in members)
                figures[metric] = (
                    sum(counts[metric][m] for m in members)
                    if published is None
                    else published.get((metric, members))  # absent: a zero, never printed
                )
            if published is not None:
                figures["sessions_planned"] = _sessions_planned(facts, unit, figures, threshold)
            columns.append(_column(facts.pins[unit[0]], figures))
        # Over two PINs or more the total is exact; a section of one PIN is that PIN's column.
        total: Figures = dict(exact) if len(columns) != 1 else dict(columns[0]["figures"])
        if section.kind == "round" and len(columns) > 1:
            # What the printed columns add up to, if all are printed; sessions planned follow
            # the groups (``_sessions_planned``).
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
