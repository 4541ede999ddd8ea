"""Erasure and consent in each PIN's view: the handling of a person's privacy events.

They join the tenant-views projection (``projections.tenant_views.policy``), so they are
applied, tracked and rebuilt like every other read model. An erasure purges what the read
models held about the person (name, e-mail, goals, outcome evidence) and marks them erased;
rows and counts stay, so groups, reports and statistics do not change. After an erasure the
read-model database is scrubbed (``Handling.scrub``). Each is written twice, side by side:
SQL, and its fold for a rebuild.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from domain.envelope import EventEnvelope
from domain.privacy import ERASED, Purpose
from projections.database import Executor
from projections.events import Person
from projections.handling import Handling, Policy
from projections.read_model import ReadModel, aggregate_id
from projections.tenant_tables import Mentees, Mentors, Outcomes

if TYPE_CHECKING:
    from projections.rebuild_fold import Fold

PEOPLE = (Mentees, Mentors)


class SharingWithdrawn(ReadModel):
    """People who withdrew their consent to sharing (``Purpose.SHARING``)."""

    table = "sharing_withdrawn"
    key = ("person_id",)
    columns = ("person_id", "tenant_id", "seq")
    sources = {"person_id": aggregate_id}


def _erased(tx: Executor, e: EventEnvelope) -> None:
    tx.execute(
        "UPDATE mentees SET name = ?, email = NULL, goals = NULL, erased_at = ? WHERE id = ?",
        (ERASED, e.occurred_at, e.aggregate_id),
    )
    tx.execute(
        "UPDATE mentors SET name = ?, email = NULL, erased_at = ? WHERE id = ?",
        (ERASED, e.occurred_at, e.aggregate_id),
    )
    tx.execute("UPDATE outcomes SET evidence = ? WHERE mentee_id = ?", (ERASED, e.aggregate_id))


def _fold_erased(f: Fold, e: EventEnvelope) -> None:
    purged = {"name": ERASED, "email": None, "goals": None, "erased_at": e.occurred_at}
    for people in PEOPLE:
        row = f.rows[people.table].get(e.aggregate_id)
        if row is not None:
            for column, value in purged.items():
                if column in people.columns:
                    row[people.columns.index(column)] = value
    evidence = Outcomes.columns.index("evidence")
    for outcome in f.outcomes_of.get(e.aggregate_id, ()):
        outcome[evidence] = ERASED


def _consent(given: bool) -> Handling:
    def apply(tx: Executor, e: EventEnvelope) -> None:
        purpose = Purpose(e.payload["purpose"])
        for people in PEOPLE:
            row = tx.execute(f"SELECT consents FROM {people.table} WHERE id = ?", (e.aggregate_id,))
            found = row.fetchone()
            if found is None:
                continue
            consents = json.loads(found["consents"])
            consents[purpose.value] = {"given": given, "at": e.occurred_at}
            tx.execute(
                f"UPDATE {people.table} SET consents = ? WHERE id = ?",
                (json.dumps(consents, sort_keys=True), e.aggregate_id),
            )
        if purpose != Purpose.SHARING:
            return
        if given:
            SharingWithdrawn.delete.apply(tx, e)
        else:
            tx.execute(
                f"{SharingWithdrawn.insert_sql} ON CONFLICT (person_id) DO NOTHING",
                SharingWithdrawn.values(e),
            )

    def fold(f: Fold, e: EventEnvelope) -> None:
        purpose = Purpose(e.payload["purpose"])
        for people in PEOPLE:
            row = f.rows[people.table].get(e.aggregate_id)
            if row is None:
                continue
            index = people.columns.index("consents")
            consents = json.loads(row[index])
            consents[purpose.value] = {"given": given, "at": e.occurred_at}
            row[index] = json.dumps(consents, sort_keys=True)
        if purpose != Purpose.SHARING:
            return
        withdrawn = f.rows[SharingWithdrawn.table]
        if given:
            withdrawn.pop(SharingWithdrawn.key_of(e), None)
        elif SharingWithdrawn.key_of(e) not in withdrawn:
            withdrawn[SharingWithdrawn.key_of(e)] = SharingWithdrawn.row(e)

    return Handling(apply, fold)


POLICY: Policy = {
    Person.Erased: Handling(_erased, _fold_erased, scrub=True),
    Person.ConsentGiven: _consent(True),
    Person.ConsentWithdrawn: _consent(False),
}
