"""Queries of group formation, each scoped to one tenant by its signature.

``ReadModelCandidates`` tells the proposal use case which people of a PIN to consider;
the rest read the proposals and the names of the people in them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from projections.database import Executor, ReadModels
from projections.query_pages import marks
from projections.rows import ProposalRow as ProposalRow

MAX_PROPOSALS = 50


def waiting_mentee_ids(conn: Executor, tenant_id: str) -> list[str]:
    """The PIN's mentees who are in no group (of any round), in enrolment order."""
    rows = conn.execute(
        "SELECT id FROM mentees WHERE tenant_id = ? AND id NOT IN "
        "(SELECT mentee_id FROM group_members WHERE tenant_id = ?) ORDER BY seq",
        (tenant_id, tenant_id),
    ).fetchall()
    return [r["id"] for r in rows]


def mentor_ids(conn: Executor, tenant_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT id FROM mentors WHERE tenant_id = ? ORDER BY seq", (tenant_id,)
    ).fetchall()
    return [r["id"] for r in rows]


def proposals(
    conn: Executor, tenant_id: str, *, cohort_id: str | None = None, state: str | None = None
) -> list[ProposalRow]:
    """The PIN's proposals, newest first (at most ``MAX_PROPOSALS``)."""
    sql = f"SELECT {ProposalRow.select()} FROM group_proposals WHERE tenant_id = ?"
    params: list[Any] = [tenant_id]
    if cohort_id is not None:
        sql += " AND cohort_id = ?"
        params.append(cohort_id)
    if state is not None:
        sql += " AND state = ?"
        params.append(state)
    rows = conn.execute(f"{sql} ORDER BY seq DESC LIMIT ?", [*params, MAX_PROPOSALS]).fetchall()
    return [ProposalRow.decode(r) for r in rows]


def proposal(conn: Executor, tenant_id: str, ident: str) -> ProposalRow | None:
    r = conn.execute(
        f"SELECT {ProposalRow.select()} FROM group_proposals WHERE tenant_id = ? AND id = ?",
        (tenant_id, ident),
    ).fetchone()
    return ProposalRow.decode(r) if r else None


def names(conn: Executor, tenant_id: str, ids: Sequence[str]) -> dict[str, str]:
    """The names of the PIN's mentees and mentors among ``ids``."""
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT id, name FROM mentees WHERE tenant_id = ? AND id IN ({marks(ids)}) "
        f"UNION ALL SELECT id, name FROM mentors WHERE tenant_id = ? AND id IN ({marks(ids)})",
        [tenant_id, *ids, tenant_id, *ids],
    ).fetchall()
    return {r["id"]: r["name"] for r in rows}


class ReadModelCandidates:
    """The candidate index of a proposal (``services.matching.candidates.CandidateIndex``)."""

    def __init__(self, read_models: ReadModels) -> None:
        self._db = read_models

    def waiting_mentees(self, tenant_id: UUID) -> list[UUID]:
        with self._db.reading(str(tenant_id)) as conn:
            return [UUID(i) for i in waiting_mentee_ids(conn, str(tenant_id))]

    def mentors(self, tenant_id: UUID) -> list[UUID]:
        with self._db.reading(str(tenant_id)) as conn:
            return [UUID(i) for i in mentor_ids(conn, str(tenant_id))]
