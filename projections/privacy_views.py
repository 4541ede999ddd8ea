"""Erasure and consent in each PIN's view: the handlers of a person's privacy events.

They join the tenant-views projection (``projections.tenant_views.HANDLERS``), so they are
applied, tracked and rebuilt like every other read model. An erasure purges what the read
models held about the person (name, e-mail, goals, outcome evidence) and marks them erased;
rows and counts stay, so groups, reports and statistics do not change. After an erasure the
read-model database is scrubbed (``SCRUB_AFTER``).
"""

from __future__ import annotations

import json

from domain.envelope import EventEnvelope
from domain.privacy import ERASED, Purpose
from projections.database import Executor
from projections.tenant_views import SCRUB_AFTER, Handler, handles

PEOPLE = ("mentees", "mentors")

SCRUB_AFTER.add("Person.Erased")


@handles("Person.Erased")
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


def _consent(given: bool) -> Handler:
    def handler(tx: Executor, e: EventEnvelope) -> None:
        purpose = Purpose(e.payload["purpose"])
        for table in PEOPLE:
            row = tx.execute(f"SELECT consents FROM {table} WHERE id = ?", (e.aggregate_id,))
            found = row.fetchone()
            if found is None:
                continue
            consents = json.loads(found["consents"])
            consents[purpose.value] = {"given": given, "at": e.occurred_at}
            tx.execute(
                f"UPDATE {table} SET consents = ? WHERE id = ?",
                (json.dumps(consents, sort_keys=True), e.aggregate_id),
            )
        if purpose != Purpose.SHARING:
            return
        if given:
            tx.execute("DELETE FROM sharing_withdrawn WHERE person_id = ?", (e.aggregate_id,))
        else:
            tx.execute(
                "INSERT INTO sharing_withdrawn (person_id, tenant_id, seq) VALUES (?, ?, ?) "
                "ON CONFLICT (person_id) DO NOTHING",
                (e.aggregate_id, e.tenant_id, e.position),
            )

    return handler


handles("Person.ConsentGiven")(_consent(True))
handles("Person.ConsentWithdrawn")(_consent(False))
