"""Where a proposal's candidates come from: a port the read models implement.

The index only says *which* people of a PIN to consider (the mentees in no group, the
mentors); the use case then loads each of them from the event store, checked against the
caller's PIN, so what the solver sees is the aggregates' current state and nothing of
another PIN.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID


class CandidateIndex(Protocol):
    def waiting_mentees(self, tenant_id: UUID) -> list[UUID]:
        """The ids of the PIN's mentees who are in no group."""
        ...

    def mentors(self, tenant_id: UUID) -> list[UUID]:
        """The ids of the PIN's mentors."""
        ...
