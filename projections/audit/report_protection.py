"""How a funder report across PINs is protected: its sections, their columns, and the
figures published.

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
  would be the absences), sessions planned follow the groups (``sessions_planned``), and a
  rate is printed only where both of its counts are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from projections.audit.programme_facts import COUNTS, OUTSIDE_COHORTS, ProgrammeFacts
from projections.disclosure_control import Attacker, Cell, Microcell, Protection, protect

PROTECTED = tuple(metric for metric in COUNTS if metric != "sessions_planned")
"""Figures protected by the audit; sessions planned follow the groups (``sessions_planned``)."""

Unit = tuple[str, frozenset[str] | None]
"""A column of a section: a PIN's tenant id and its cohorts in the section (None: all)."""


def covers(microcell: Microcell, unit: Unit) -> bool:
    """Whether ``microcell`` counts in the column ``unit``."""
    tenant, cohorts = unit
    places = microcell[1].split("+")
    return microcell[0] == tenant and (cohorts is None or not cohorts.isdisjoint(places))


@dataclass(frozen=True)
class Section:
    kind: str
    name: str
    units: tuple[Unit, ...]
    cohort_id: str | None = None


def sections_of(facts: ProgrammeFacts, tenants: list[str]) -> list[Section]:
    """The programme, each round (cohorts of one name), each cohort: with their columns."""
    sections = [Section("programme", "Programme", tuple((t, None) for t in tenants))]
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
            sections.append(Section("round", name, units))
    for name, cohort_ids in rounds.items():
        for cohort_id in cohort_ids:
            tenant = facts.cohorts[cohort_id].tenant_id
            if tenant in tenants:
                label = f"{facts.pins[tenant].upper()}: {name}"
                sections.append(
                    Section("cohort", label, ((tenant, frozenset({cohort_id})),), cohort_id)
                )
    return sections


Figures = dict[str, int | None]


def protected(
    counts: Mapping[str, Mapping[Microcell, int]],
    sections: list[Section],
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
                members = frozenset(m for m in counts[metric] if covers(m, unit))
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
            (metric, frozenset(m for m in counts[metric] if any(covers(m, u) for u in s.units)))
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
    columns add up to (``projections.audit.funder_report``), and the audit runs again
    without them."""
    return {
        interval.cell.metric for interval in protection.unresolved if interval.attacker == funder
    }


def sessions_planned(
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
