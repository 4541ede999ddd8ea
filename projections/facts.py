"""Facts that never change once recorded (a person's profession, a group's cohort).

The tenant views keep them in memory so that the statistics need no query per event.
Bounded, least recently used out first: a few MB at most, however many events pass (a
projector's memory stays flat; the bound was 500,000 entries, some 200 MB, and grew about
0.5 KB per event until then).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from projections.database import Executor

MAX_FACTS = 20_000


class Facts:
    """One projection's facts, by (kind, id); kinds are tables ("mentees") or "group"."""

    def __init__(self, bound: int = MAX_FACTS) -> None:
        self.bound = bound
        self._facts: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._facts)

    def remember(self, kind: str, ident: str, value: str) -> str:
        """Keep ``value`` as the fact; the oldest unused fact goes beyond the bound."""
        with self._lock:
            self._facts[kind, ident] = value
            self._facts.move_to_end((kind, ident))
            while len(self._facts) > self.bound:
                self._facts.popitem(last=False)
        return value

    def known(self, kind: str, ident: str) -> str | None:
        """The fact, if kept (it becomes the most recently used)."""
        with self._lock:
            value = self._facts.get((kind, ident))
            if value is not None:
                self._facts.move_to_end((kind, ident))
        return value

    def profession(self, tx: Executor, table: str, person_id: str) -> str:
        """The profession of a mentee or mentor, recorded by an earlier event of the person."""
        known = self.known(table, person_id)
        if known is not None:
            return known
        row = tx.execute(f"SELECT profession FROM {table} WHERE id = ?", (person_id,)).fetchone()
        return self.remember(table, person_id, str(row["profession"])) if row else ""

    def group_cohort(self, tx: Executor, group_id: str) -> str:
        """The cohort of a group, recorded when it was formed."""
        known = self.known("group", group_id)
        if known is not None:
            return known
        row = tx.execute(
            "SELECT cohort_id FROM mentoring_groups WHERE id = ?", (group_id,)
        ).fetchone()
        return self.remember("group", group_id, str(row["cohort_id"])) if row else ""
