"""An independent audit of a public statistics release: can anyone work out a small count?

Written apart from the platform's own protection (nothing of the application is imported, and
projections/disclosure_control.py least of all): it takes only what the public reads (every
number of every breakdown, value or null), the true counters behind them (the rows of
``network_stats``), the rounds (``network_cohorts``, ``cohorts``) and what an attacker knows
already, and asks HiGHS (through scipy) for the least and the greatest value each protected
quantity can take. A quantity that can take one value only is disclosed: *pinned*.

The attacker is made stronger than the platform's own audit assumes:

- The unknowns are the counters per metric and *microcell* (PIN, cohort or '', profession or
  ''). The attacker knows which microcells exist (any counter), and which of them a metric can
  fill at all: a group has no profession, a training no round, a round's member a profession.
- Relations between metrics, per microcell: mentees moved forward are at most the outcomes,
  and at most the mentees served (an outcome names a round the mentee joined); attendance
  records (present + absent) at most the round's group size limit times the sessions held;
  sessions held at most the planned sessions times the groups (the limits of the round when
  given, else the largest the platform allows).
- Counts are integers: bounds are those of the integer program, not only of its linear
  relaxation (``exact_within`` trades that for time on large releases).
- A PIN knows each of its own counters; a funder knows exact sums (its reports' totals).
- Over time: a PIN that writes between releases while nothing else changes sees several
  releases of the same unknowns (``audit`` takes a list of releases).

Protected quantities, for every published number, visible or not: each other PIN's part of
it, and the part the attacker does not know, wherever it is 1..threshold-1; and every single
microcell the attacker does not know that holds 1..threshold-1. What the attacker knew before
(its own counters, a funder's totals, and what follows from them alone) is not the release's
to protect: such a quantity is reported, not counted as pinned.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

THRESHOLD = 10
UNBOUNDED = 2**31  # an integer bound standing for none
LARGEST_GROUP, MOST_SESSIONS = 12, 20  # the most a round may allow (domain/cohort.py)
OUTCOMES = tuple(
    f"outcome_{kind}"
    for kind in (
        "job_in_field",
        "job_outside_field",
        "business_started",
        "licence_obtained",
        "licensing_exam_passed",
        "further_education",
    )
)
GROUP_METRICS = ("groups", "sessions_held", "attendance_present", "attendance_absent")
TRAINING_METRICS = ("mentee_trainings", "mentor_trainings")
DIMENSIONS = ("PIN", "COHORT", "PROFESSION", "TOTAL")

Microcell = tuple[str, str, str]
"""(PIN's tenant id, cohort id or '', profession or '')."""
Microdata = dict[str, dict[Microcell, int]]
"""metric -> microcell -> count."""
CellKey = tuple[str, str, str]
"""A published number: (dimension as GraphQL names it, key, metric)."""
Published = dict[CellKey, int | None]
Variable = tuple[str, Microcell]

# Every number of one breakdown of the release the public reads.
STATISTICS = """query($by: StatisticsDimension!) {
  networkStatistics(by: $by) {
    by threshold
    release { id releasedAt position threshold checkpointTreeSize checkpointRoot }
    cells { key label attendanceRate values { metric value suppressed } }
    total { metric value suppressed }
    totalAttendanceRate
  }
}"""


class AuditError(AssertionError):
    """The auditor's premises do not hold (e.g. a published number that is not the truth)."""


@dataclass(frozen=True)
class Rounds:
    """The cohorts: whose they are, which round (name) they belong to, and their limits."""

    tenant_of: dict[str, str]
    round_of: dict[str, str]
    max_group_size: dict[str, int] = field(default_factory=dict)
    planned_sessions: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Attacker:
    name: str
    tenant: str | None = None
    """A PIN's tenant id: it knows every counter of its own."""
    sums: tuple[tuple[str, frozenset[Microcell]], ...] = ()
    """Sums it knows exactly, as (metric, microcells)."""


@dataclass(frozen=True)
class Interval:
    cell: CellKey
    quantity: str
    true: int
    low: float
    high: float
    """Bounds of the linear relaxation."""
    integer_low: int
    integer_high: int
    """Bounds over the integers: exact, or the linear ones rounded in (``exact_within``)."""
    known_before: bool = False
    """Pinned by what the attacker knew without the release (a funder's own totals)."""

    @property
    def width(self) -> int:
        return self.integer_high - self.integer_low

    @property
    def pinned(self) -> bool:
        return self.integer_low == self.integer_high

    def __str__(self) -> str:
        high = "inf" if self.integer_high == UNBOUNDED else self.integer_high
        return (
            f"{self.quantity} of {'/'.join(self.cell)} = {self.true}: "
            f"[{self.integer_low}, {high}] (linear [{self.low:.4g}, {self.high:.4g}])"
        )


@dataclass
class Audit:
    attacker: str
    cells: int
    suppressed: int
    intervals: list[Interval]

    @property
    def pinned(self) -> list[Interval]:
        """What the release gives away."""
        return [i for i in self.intervals if i.pinned and not i.known_before]

    def smallest(self) -> Interval | None:
        return min(self.intervals, key=lambda i: (i.width, i.high - i.low), default=None)

    def summary(self, names: Mapping[str, str] | None = None) -> str:
        """The figures, ids replaced by ``names`` (labels)."""
        least = self.smallest()
        text = (
            f"{self.attacker}: {self.cells} cells checked ({self.suppressed} suppressed), "
            f"{len(self.intervals)} intervals, smallest width "
            f"{'-' if least is None else f'{least.width} ({least})'}; "
            f"{len(self.pinned)} pinned"
            f" ({sum(i.known_before for i in self.intervals)} more known before the release)"
        )
        return readable(text, names or {})

    def disclosed(self, names: Mapping[str, str] | None = None) -> list[str]:
        return [readable(f"{self.attacker}: {i}", names or {}) for i in self.pinned]


def readable(text: str, names: Mapping[str, str]) -> str:
    for ident, name in names.items():
        if ident:
            text = text.replace(ident, name)
    return text


# --- what is published, and what is true ---------------------------------------------------


def read_published(breakdowns: Mapping[str, Mapping[str, Any]]) -> Published:
    """Every number of the ``networkStatistics`` answers, by dimension (PIN, COHORT...)."""
    published: Published = {}
    for dimension, answer in breakdowns.items():
        for cell in answer["cells"]:
            for entry in cell["values"]:
                published[dimension, cell["key"], entry["metric"]] = entry["value"]
    for answer in breakdowns.values():
        for entry in answer["total"]:
            key = ("TOTAL", "all", entry["metric"])
            if published.setdefault(key, entry["value"]) != entry["value"]:
                raise AuditError(f"two different totals of {entry['metric']} in one release")
    return published


def read_microdata(rows: Iterable[Mapping[str, Any]]) -> Microdata:
    """The rows of ``network_stats``; absences are attendance recorded minus present."""
    counts: Microdata = defaultdict(dict)
    for row in rows:
        cell = (str(row["tenant_id"]), str(row["cohort_id"]), str(row["profession"]))
        counts[str(row["metric"])][cell] = int(row["value"])
    recorded = counts.pop("attendance_recorded", {})
    present = counts.get("attendance_present", {})
    counts["attendance_absent"] = {c: v - present.get(c, 0) for c, v in recorded.items()}
    return dict(counts)


def read_rounds(
    cohorts: Iterable[Mapping[str, Any]], limits: Iterable[Mapping[str, Any]] = ()
) -> Rounds:
    """Rows of ``network_cohorts`` (cohort_id, tenant_id, name) and, optionally, of
    ``cohorts`` (id, max_group_size, planned_sessions)."""
    rows, limit_rows = list(cohorts), list(limits)
    return Rounds(
        tenant_of={str(r["cohort_id"]): str(r["tenant_id"]) for r in rows},
        round_of={str(r["cohort_id"]): str(r["name"]) for r in rows},
        max_group_size={str(r["id"]): int(r["max_group_size"]) for r in limit_rows},
        planned_sessions={str(r["id"]): int(r["planned_sessions"]) for r in limit_rows},
    )


@dataclass(frozen=True)
class Truth:
    """The counters behind a release and the programme's shape, read from the read models."""

    microdata: Microdata
    rounds: Rounds
    slugs: dict[str, str]
    """PIN's tenant id -> slug."""


def read_truth(query: Callable[[str], Iterable[Mapping[str, Any]]]) -> Truth:
    """Read with ``query`` (SQL -> rows by column name), as the platform's owner."""
    return Truth(
        read_microdata(
            query("SELECT tenant_id, cohort_id, profession, metric, value FROM network_stats")
        ),
        read_rounds(
            query("SELECT cohort_id, tenant_id, name FROM network_cohorts"),
            query("SELECT id, max_group_size, planned_sessions FROM cohorts"),
        ),
        {str(r["tenant_id"]): str(r["slug"]) for r in query("SELECT tenant_id, slug FROM pins")},
    )


def names(breakdowns: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Labels of PINs and cohorts by key, as published (to make findings readable)."""
    return {
        cell["key"]: cell["label"]
        for dimension in ("PIN", "COHORT")
        for cell in breakdowns.get(dimension, {}).get("cells", [])
        if cell["key"]
    }


def attackers(microdata: Microdata, rounds: Rounds) -> list[Attacker]:
    """Anyone; each PIN; a funder, who knows the programme's totals, and each round's (of two
    PINs or more), exactly."""
    space = frozenset(_space(microdata, rounds))
    funder = [(metric, space) for metric in microdata]
    for name in sorted(set(rounds.round_of.values())):
        cohorts = {c for c, r in rounds.round_of.items() if r == name}
        if len({rounds.tenant_of[c] for c in cohorts}) >= 2:
            members = frozenset(cell for cell in space if cell[1] in cohorts)
            funder += [(m, members) for m in microdata if m not in TRAINING_METRICS]
    return [
        Attacker("anyone"),
        *(Attacker(f"PIN {t}", tenant=t) for t in sorted({cell[0] for cell in space})),
        Attacker("a funder", sums=tuple(funder)),
    ]


def true_value(microdata: Microdata, key: CellKey) -> int:
    """What the published number ``key`` is, unsuppressed."""
    dimension, cell_key, metric = key
    return sum(
        value
        for cell, value in microdata.get(metric, {}).items()
        if _member(dimension, cell_key, cell) and _fits(metric, cell)
    )


# --- the model ------------------------------------------------------------------------------


def _space(microdata: Microdata, rounds: Rounds) -> set[Microcell]:
    space = {cell for counts in microdata.values() for cell in counts}
    return space | {(tenant, cohort, "") for cohort, tenant in rounds.tenant_of.items()}


def _fits(metric: str, cell: Microcell) -> bool:
    """Whether ``metric`` can count anything in ``cell`` at all."""
    _, cohort, profession = cell
    if metric in GROUP_METRICS:
        return cohort != "" and profession == ""
    if metric in TRAINING_METRICS:
        return cohort == "" and profession != ""
    if metric == "mentees_served":
        return cohort != "" and profession != ""
    return profession != ""  # outcomes and moving forward: a mentee's, in a round or not


def _member(dimension: str, key: str, cell: Microcell) -> bool:
    tenant, cohort, profession = cell
    return {
        "PIN": tenant == key,
        "COHORT": cohort == key,
        "PROFESSION": profession == key,
        "TOTAL": True,
    }[dimension]


def _relations(cell: Microcell, rounds: Rounds) -> list[dict[str, float]]:
    """Inequalities ``sum(coefficient * count) <= 0`` between the metrics of one microcell."""
    _, cohort, profession = cell
    found = [{"mentees_moved_forward": 1.0, **dict.fromkeys(OUTCOMES, -1.0)}]
    if cohort:
        found.append({"mentees_moved_forward": 1.0, "mentees_served": -1.0})
    if cohort and not profession:
        size = rounds.max_group_size.get(cohort, LARGEST_GROUP)
        planned = rounds.planned_sessions.get(cohort, MOST_SESSIONS)
        found.append({"attendance_present": 1.0, "attendance_absent": 1.0, "sessions_held": -size})
        found.append({"sessions_held": 1.0, "groups": -float(planned)})
    return found


def _families(metrics: Iterable[str]) -> list[list[str]]:
    """Metrics linked by a relation are bounded together; the others one by one."""
    present = set(metrics)
    families = [{m} for m in sorted(present)]
    for relation in _relations(("", "c", ""), Rounds({}, {})) + _relations(
        ("", "c", "p"), Rounds({}, {})
    ):
        if set(relation) <= present:
            linked = [f for f in families if f & set(relation)]
            families = [f for f in families if f not in linked] + [set().union(*linked)]
    return [sorted(f) for f in families]


class _Program:
    """What one attacker knows of one family of metrics: equations and relations over the
    counters it does not know."""

    def __init__(
        self,
        metrics: Sequence[str],
        releases: Sequence[tuple[Published, Microdata]],
        space: set[Microcell],
        rounds: Rounds,
        attacker: Attacker,
    ) -> None:
        truth = releases[-1][1]
        unknown = [
            (metric, cell)
            for metric in metrics
            for cell in sorted(space)
            if _fits(metric, cell) and cell[0] != attacker.tenant
        ]
        self.index = {variable: i for i, variable in enumerate(unknown)}
        self.truth = np.array([truth.get(m, {}).get(c, 0) for m, c in unknown], dtype=float)
        rows: list[np.ndarray] = []
        rhs: list[float] = []

        def equation(metric: str, cells: Iterable[Microcell], value: int, data: Microdata) -> None:
            row, known = np.zeros(len(unknown)), 0
            for cell in cells:
                i = self.index.get((metric, cell))
                if i is not None:
                    row[i] = 1.0
                elif _fits(metric, cell):
                    known += data.get(metric, {}).get(cell, 0)
            if row.any():
                rows.append(row)
                rhs.append(value - known)
            elif value != known:
                raise AuditError(f"{metric}: published {value}, the attacker's own part {known}")

        for published, data in releases:
            for (dimension, key, metric), value in published.items():
                if metric not in metrics or value is None:
                    continue
                cells = [c for c in space if _member(dimension, key, c)]
                true = sum(data.get(metric, {}).get(c, 0) for c in cells if _fits(metric, c))
                if true != value:
                    raise AuditError(f"{dimension}/{key}/{metric}: published {value}, true {true}")
                equation(metric, cells, value, data)
        for metric, known in attacker.sums:
            if metric in metrics:
                value = sum(truth.get(metric, {}).get(c, 0) for c in known if _fits(metric, c))
                equation(metric, known, value, truth)
        upper = []
        for cell in sorted(space):
            if cell[0] == attacker.tenant:
                continue
            for relation in _relations(cell, rounds):
                if not set(relation) <= set(metrics):
                    continue
                row = np.zeros(len(unknown))
                for metric, coefficient in relation.items():
                    i = self.index.get((metric, cell))
                    if i is not None:
                        row[i] = coefficient
                if (row > 0).any():  # only a positive term is bounded by a relation
                    if row @ self.truth > 1e-9:
                        raise AuditError(f"{relation} does not hold at {cell}")
                    upper.append(row)
        self.a_eq = np.array(rows).reshape(len(rows), len(unknown))
        self.b_eq = np.array(rhs, dtype=float)
        self.a_ub = np.array(upper).reshape(len(upper), len(unknown))
        if len(rows) and np.abs(self.a_eq @ self.truth - self.b_eq).max() > 1e-9:
            raise AuditError("the truth does not solve what is published")
        used = np.abs(self.a_eq).sum(axis=0) + np.abs(self.a_ub).sum(axis=0)
        self.constrained = set(np.flatnonzero(used).tolist())

    def bounds(self, variables: Iterable[Variable], within: float) -> tuple[float, float, int, int]:
        """Least and greatest sum of ``variables``: linear, and over the integers (by an
        integer program where the linear bounds, rounded in, are at most ``within`` apart)."""
        objective = np.zeros(len(self.index))
        for variable in variables:
            objective[self.index[variable]] = 1.0
        if not self.constrained & set(np.flatnonzero(objective).tolist()):
            return 0.0, math.inf, 0, UNBOUNDED  # in no equation: anything at all
        options: dict[str, Any] = {"bounds": (0, None), "method": "highs"}
        if len(self.b_eq):
            options |= {"A_eq": self.a_eq, "b_eq": self.b_eq}
        if len(self.a_ub):
            options |= {"A_ub": self.a_ub, "b_ub": np.zeros(len(self.a_ub))}
        low = self._solve(linprog(objective, **options))
        high = -self._solve(linprog(-objective, **options))
        integer_low = math.ceil(low - 1e-6)
        integer_high = UNBOUNDED if high == math.inf else math.floor(high + 1e-6)
        if integer_high - integer_low <= within:
            integer_low = round(self._solve(self._integer(objective)))
            if high != math.inf:
                integer_high = round(-self._solve(self._integer(-objective)))
        return low, high, integer_low, integer_high

    @staticmethod
    def _solve(result: Any) -> float:
        if result.status == 3:  # unbounded (only a maximum can be)
            return -math.inf
        if result.status != 0:
            raise AuditError(f"the program failed: {result.message}")
        return float(result.fun)

    def _integer(self, objective: np.ndarray) -> Any:
        constraints = []
        if len(self.b_eq):
            constraints.append(LinearConstraint(self.a_eq, self.b_eq, self.b_eq))
        if len(self.a_ub):
            constraints.append(LinearConstraint(self.a_ub, -np.inf, np.zeros(len(self.a_ub))))
        return milp(
            objective,
            integrality=np.ones(len(objective), dtype=int),
            bounds=Bounds(0, np.inf),
            constraints=constraints,
        )


# --- the audit ------------------------------------------------------------------------------


def audit(
    releases: Sequence[tuple[Published, Microdata]],
    rounds: Rounds,
    attacker: Attacker,
    *,
    threshold: int = THRESHOLD,
    exact_within: float = math.inf,
) -> Audit:
    """The bounds of every protected quantity for ``attacker``, from one release (what is
    published, and the true counters) or several in which only its own counters changed.
    Over the integers exactly where the linear bounds are at most ``exact_within`` apart
    (always by default; 0: never, the linear bounds rounded in)."""
    truth = releases[-1][1]
    for _, data in releases:
        for metric in set(data) | set(truth):
            if _theirs(data.get(metric, {}), attacker) != _theirs(truth.get(metric, {}), attacker):
                raise AuditError(f"{metric}: others' counters changed between the releases")
    for metric, counts in truth.items():
        if misfits := [c for c, v in counts.items() if v and not _fits(metric, c)]:
            raise AuditError(f"{metric} counts where it cannot: {misfits[:3]}")
    space = set().union(*(_space(data, rounds) for _, data in releases))
    metrics = sorted({key[2] for published, _ in releases for key in published})
    known = {
        _unknowns(metric, cells, attacker) for metric, cells in attacker.sums if metric in metrics
    }
    intervals: list[Interval] = []
    for family in _families(metrics):
        program = _Program(family, releases, space, rounds, attacker)
        before: _Program | None = None  # what the attacker knew without the release
        seen = set(known)
        for cell, quantity, variables in _quantities(releases, family, space, attacker, threshold):
            if variables in seen:
                continue
            seen.add(variables)
            true = sum(truth.get(metric, {}).get(c, 0) for metric, c in variables)
            low, high, integer_low, integer_high = program.bounds(variables, exact_within)
            if not integer_low <= true <= integer_high:
                raise AuditError(f"{quantity} of {cell}: {true} is outside its bounds")
            interval = Interval(cell, quantity, true, low, high, integer_low, integer_high)
            if interval.pinned:
                before = before or _Program(family, [({}, truth)], space, rounds, attacker)
                *_, prior_low, prior_high = before.bounds(variables, exact_within)
                interval = replace(interval, known_before=prior_low == prior_high)
            intervals.append(interval)
    keys = {key for published, _ in releases for key in published}
    hidden = {key for published, _ in releases for key, value in published.items() if value is None}
    return Audit(attacker.name, len(keys), len(hidden), intervals)


def _theirs(counts: Mapping[Microcell, int], attacker: Attacker) -> dict[Microcell, int]:
    return {c: v for c, v in counts.items() if v and c[0] != attacker.tenant}


def _unknowns(metric: str, cells: Iterable[Microcell], attacker: Attacker) -> frozenset[Variable]:
    return frozenset((metric, c) for c in cells if _fits(metric, c) and c[0] != attacker.tenant)


def _quantities(
    releases: Sequence[tuple[Published, Microdata]],
    family: Sequence[str],
    space: set[Microcell],
    attacker: Attacker,
    threshold: int,
) -> Iterable[tuple[CellKey, str, frozenset[Variable]]]:
    """What must stay uncertain: per published number, each other PIN's part and the part
    the attacker does not know; and each microcell it does not know."""
    truth = releases[-1][1]
    for dimension, key, metric in sorted(
        {key for published, _ in releases for key in published if key[2] in family}
    ):
        counts = truth.get(metric, {})
        unknown = _unknowns(metric, (c for c in space if _member(dimension, key, c)), attacker)
        parts: dict[str, set[Variable]] = defaultdict(set)
        for variable in unknown:
            parts[variable[1][0]].add(variable)
        for tenant, variables in sorted(parts.items()):
            if 0 < sum(counts.get(c, 0) for _, c in variables) < threshold:
                yield (dimension, key, metric), f"part of PIN {tenant}", frozenset(variables)
        if 0 < sum(counts.get(c, 0) for _, c in unknown) < threshold:
            yield (dimension, key, metric), "unknown part", unknown
    for metric in family:
        for c, value in sorted(truth.get(metric, {}).items()):
            if 0 < value < threshold and c[0] != attacker.tenant:
                yield ("MICROCELL", "/".join(c), metric), "microcell", frozenset({(metric, c)})
