"""Statistical disclosure control of a statistics release: linked tables protected together.

Every published number is a sum of *microcells*: the counts of one PIN, one cohort (or none)
and one profession (or none), per metric. A release publishes several breakdowns of the same
microcells (by PIN, cohort, profession and in total), so they are linked tables and are
protected together, the way Statistics Norway's ``GaussSuppression`` (``SuppressLinkedTables``)
and sdcTable protect them: globally, with an interval attack as the judge.

- **Primary suppression, per contributor.** A PIN is a contributor that knows its own counts,
  so a cell is sensitive when any PIN contributes a count under the threshold to it (not only
  when the cell is small): otherwise a PIN could subtract its own part from a visible total and
  read the rest. Zero is not a count about anyone and is no reason to suppress.
- **Secondary suppression, proven by linear programming.** For every attacker (anyone; each
  PIN, knowing all of its own microcells; a funder, knowing the exact totals of its reports) and
  every protected quantity (each small contribution of another PIN to a hidden cell, and the
  part of a hidden cell the attacker does not know, where that part is small), the smallest and
  largest value consistent with everything published is computed (HiGHS through scipy). While
  an interval is narrower than ``width``, one more cell is hidden: the smallest visible cell
  linked to the quantity. The loop ends because every round hides one more cell, and what it
  returns has passed the attack it was judged by.

Pure: no I/O. The release builder (``projections.statistics``) feeds it and stores the result.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

Microcell = tuple[str, str, str]
"""(PIN's tenant id, cohort id or '', profession or '')."""

DIMENSION_ORDER = {"cohort": 0, "profession": 1, "pin": 2, "total": 3}


@dataclass(frozen=True)
class Cell:
    """A published number: the sum of ``members`` for ``metric``."""

    dimension: str
    key: str
    metric: str
    members: frozenset[Microcell]
    rank: str = field(default="", compare=False)
    """Orders cells of equal value when a complement is chosen (a label: ids are random, and
    a release must not depend on their draw)."""


@dataclass(frozen=True)
class Attacker:
    """Someone who combines what is published with what they know already."""

    name: str
    tenant: str | None = None
    """A PIN's tenant id: it knows every microcell of its own."""
    aggregates: tuple[tuple[str, frozenset[Microcell]], ...] = ()
    """Sums it knows exactly: (metric, microcells), e.g. the totals of a funder report."""


@dataclass
class Interval:
    attacker: str
    cell: Cell
    quantity: str
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


@dataclass
class Protection:
    """The outcome: each cell's published value (None: suppressed) and the audit behind it."""

    published: dict[Cell, int | None]
    primary: set[Cell]
    secondary: set[Cell]
    intervals: list[Interval] = field(default_factory=list)
    """The final audit: every protected quantity, per attacker."""
    unresolved: list[Interval] = field(default_factory=list)
    """Quantities an attacker pins from what they knew before the release (nothing published
    is linked to them); empty unless an attacker's own knowledge already discloses."""


def contributions(cell: Cell, values: Mapping[Microcell, int]) -> dict[str, int]:
    """Each PIN's part of ``cell``."""
    parts: dict[str, int] = defaultdict(int)
    for member in cell.members:
        parts[member[0]] += values.get(member, 0)
    return dict(parts)


def is_sensitive(cell: Cell, values: Mapping[Microcell, int], threshold: int) -> bool:
    """Some PIN contributes a count under ``threshold`` (and over zero) to ``cell``."""
    return any(0 < part < threshold for part in contributions(cell, values).values())


def protect(
    values: Mapping[str, Mapping[Microcell, int]],
    cells: Sequence[Cell],
    attackers: Sequence[Attacker],
    threshold: int,
    width: float = 1.0,
    spaces: Mapping[str, Iterable[Microcell]] | None = None,
) -> Protection:
    """Decide which of ``cells`` to publish so that no attacker narrows a protected quantity
    to an interval under ``width``. ``values``: metric -> microcell -> count; ``spaces``:
    metric -> the microcells the metric can fill at all (public knowledge: how each count is
    kept), by default every microcell of any metric."""
    by_metric: dict[str, list[Cell]] = defaultdict(list)
    for cell in cells:
        by_metric[cell.metric].append(cell)
    published: dict[Cell, int | None] = {}
    primary: set[Cell] = set()
    secondary: set[Cell] = set()
    intervals: list[Interval] = []
    unresolved: list[Interval] = []
    # The attacker is taken to know which combinations of PIN, cohort and profession exist
    # (any counter of them), not which of them hold a given count: those are the unknowns.
    everything = sorted({microcell for counts in values.values() for microcell in counts})
    for metric, metric_cells in by_metric.items():
        counts = values.get(metric, {})
        space = sorted(spaces[metric]) if spaces and metric in spaces else everything
        protected = _MetricProtection(
            metric, counts, space, metric_cells, attackers, threshold, width
        )
        protected.run()
        primary |= protected.primary
        secondary |= protected.hidden - protected.primary
        intervals += protected.intervals
        unresolved += protected.unresolved
        for cell in metric_cells:
            value = sum(counts.get(m, 0) for m in cell.members)
            published[cell] = None if cell in protected.hidden else value
    return Protection(published, primary, secondary, intervals, unresolved)


class _MetricProtection:
    def __init__(
        self,
        metric: str,
        counts: Mapping[Microcell, int],
        space: Sequence[Microcell],
        cells: Sequence[Cell],
        attackers: Sequence[Attacker],
        threshold: int,
        width: float,
    ) -> None:
        self.metric = metric
        self.counts = counts
        self.cells = list(cells)
        self.attackers = attackers
        self.threshold = threshold
        self.width = width
        self.support = space
        self.value = {c: sum(counts.get(m, 0) for m in c.members) for c in self.cells}
        self.primary = {c for c in self.cells if is_sensitive(c, counts, threshold)}
        self.hidden = set(self.primary)
        self.intervals: list[Interval] = []
        self.unresolved: list[Interval] = []

    def run(self) -> None:
        """Audit every protected quantity once, hiding complements as needed.

        Hiding a cell only removes an equation, so it never narrows an interval that was
        already wide enough, and a complement (never a sensitive cell) adds no protected
        quantity: one pass is enough, resuming where the audit stopped.
        """
        for attacker in self.attackers:
            system = self._system(attacker)
            for cell in sorted(self.hidden, key=_order):
                for quantity, members in self._quantities(cell, attacker):
                    while True:
                        low, high = system.bounds(members)
                        interval = Interval(attacker.name, cell, quantity, low, high)
                        if high - low >= self.width:
                            self.intervals.append(interval)
                            break
                        complement = self._complement((attacker, cell, members))
                        if complement is None:  # no published number is linked to it
                            self.unresolved.append(interval)
                            self.intervals.append(interval)
                            break
                        self.hidden.add(complement)
                        system = self._system(attacker)
        self._show_what_anyone_derives()

    def _show_what_anyone_derives(self) -> None:
        """Publish the complements anyone can work out anyway: a greedy choice may hide a
        number that later choices made derivable, and hiding it protects nothing."""
        public = self._system(Attacker("anyone"))
        derivable = set()
        for cell in self.hidden - self.primary:
            low, high = public.bounds(cell.members & set(self.support))
            if high - low < 0.5:
                derivable.add(cell)
        self.hidden -= derivable

    # --- the attack ---------------------------------------------------------------------

    def _quantities(
        self, cell: Cell, attacker: Attacker
    ) -> Iterable[tuple[str, frozenset[Microcell]]]:
        """What must stay uncertain about a hidden ``cell`` for ``attacker``: each other PIN's
        whole part of it (zeros included: a count moved into a neighbouring empty microcell is
        the same count) where that part is small, and the part the attacker does not know."""
        space = set(self.support)
        unknown = frozenset(m for m in cell.members if m[0] != attacker.tenant and m in space)
        parts: dict[str, set[Microcell]] = defaultdict(set)
        for member in unknown:
            parts[member[0]].add(member)
        small = [
            (tenant, frozenset(members))
            for tenant, members in sorted(parts.items())
            if 0 < sum(self.counts.get(m, 0) for m in members) < self.threshold
        ]
        for tenant, members in small:
            yield f"contribution of {tenant}", members
        rest = sum(self.counts.get(m, 0) for m in unknown)
        if 0 < rest < self.threshold and not (len(small) == 1 and small[0][1] == unknown):
            yield "unknown part", unknown

    def _system(self, attacker: Attacker) -> _System:
        """What ``attacker`` knows as linear equations over the microcells it does not know."""
        unknown = [m for m in self.support if m[0] != attacker.tenant]
        equations: list[tuple[frozenset[Microcell], float]] = []
        for cell in self.cells:
            if cell not in self.hidden:
                equations.append((cell.members, float(self.value[cell])))
        for metric, members in attacker.aggregates:
            if metric == self.metric:
                equations.append((members, float(sum(self.counts.get(m, 0) for m in members))))
        return _System(unknown, equations, self.counts)

    # --- secondary suppression ----------------------------------------------------------

    def _complement(self, weak: tuple[Attacker, Cell, frozenset[Microcell]]) -> Cell | None:
        """The visible cell to hide: the smallest one sharing unknowns with the weak quantity,
        else with its cell, else with any of the attacker's equations linked to it."""
        attacker, cell, members = weak
        # Zeros too: next to an exact total of 1, four published zeros name the fifth PIN.
        visible = [c for c in self.cells if c not in self.hidden]
        unknown = {m for m in self.support if m[0] != attacker.tenant}
        for target in (members, cell.members & unknown):
            linked = [c for c in visible if c.members & target]
            if linked:
                return min(linked, key=lambda c: (self.value[c], _order(c)))
        # Breadth first through everything the attacker knows (published cells and their own
        # aggregates), from the quantity outwards, to the published cells it reaches.
        equations = [c.members & unknown for c in visible]
        equations += [m & unknown for metric, m in attacker.aggregates if metric == self.metric]
        reached = set(members)
        grew = True
        while grew:
            grew = False
            for shared in equations:
                if shared & reached and not shared <= reached:
                    reached |= shared
                    grew = True
        linked = [c for c in visible if c.members & reached]
        return min(linked, key=lambda c: (self.value[c], _order(c))) if linked else None


def _order(cell: Cell) -> tuple[int, str, str, str]:
    return (DIMENSION_ORDER.get(cell.dimension, 9), cell.rank, cell.key, cell.metric)


class _System:
    """Equations ``sum(x[m] for m in members) = value`` over nonnegative unknowns ``x``."""

    def __init__(
        self,
        unknown: Sequence[Microcell],
        equations: Sequence[tuple[frozenset[Microcell], float]],
        counts: Mapping[Microcell, int],
    ) -> None:
        self.index = {m: i for i, m in enumerate(unknown)}
        rows, rhs = [], []
        for members, value in equations:
            row = np.zeros(len(unknown))
            known = 0.0
            for member in members:
                i = self.index.get(member)
                if i is None:
                    known += counts.get(member, 0)
                else:
                    row[i] = 1.0
            if row.any():
                rows.append(row)
                rhs.append(value - known)
        self.a_eq = np.array(rows) if rows else None
        self.b_eq = np.array(rhs) if rhs else None
        self.constrained = (
            set(np.nonzero(self.a_eq.any(axis=0))[0]) if self.a_eq is not None else set()
        )
        # Both ends at once: the least and the greatest sum are the two halves of one linear
        # program over two copies of the unknowns (its objective is separable, so an optimum of
        # the whole is an optimum of each half), which halves the solver's fixed cost per call.
        if self.a_eq is not None and self.b_eq is not None:
            zero = np.zeros_like(self.a_eq)
            self.a_both = np.block([[self.a_eq, zero], [zero, self.a_eq]])
            self.b_both = np.concatenate([self.b_eq, self.b_eq])

    def bounds(self, members: Iterable[Microcell]) -> tuple[float, float]:
        """Smallest and largest possible sum of ``members`` (inf: unbounded)."""
        objective = np.zeros(len(self.index))
        for member in members:
            objective[self.index[member]] = 1.0
        if not any(i in self.constrained for i in np.nonzero(objective)[0]):
            return 0.0, float("inf")
        both = linprog(
            np.concatenate([objective, -objective]),
            A_eq=self.a_both,
            b_eq=self.b_both,
            bounds=(0, None),
            method="highs",
        )
        if both.status == 0:
            n = len(self.index)
            x = np.asarray(both.x)
            lowest, highest = float(objective @ x[:n]), float(objective @ x[n:])
            return round(lowest, 6), round(highest, 6)
        # Unbounded above (status 3): the least value on its own.
        low = linprog(objective, A_eq=self.a_eq, b_eq=self.b_eq, bounds=(0, None), method="highs")
        return round(float(low.fun or 0.0) if low.status == 0 else 0.0, 6), float("inf")
