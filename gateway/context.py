"""Per-request context of the GraphQL gateway: the caller, the platform and the loaders."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from gateway.bootstrap import Platform
from gateway.consistency import ConsistencyWaits
from projections import queries as q
from projections.database import Executor
from services.context import Role, TenantContext
from services.errors import Forbidden

K = TypeVar("K")
V = TypeVar("V")

PERSONAL_DATA_ROLES = (Role.COORDINATOR, Role.MENTOR)


async def read_off_loop(
    platform: Platform, tenant_id: str | None, query: Callable[..., V], *args: Any
) -> V:
    """Run ``query`` in a read transaction (limited to ``tenant_id``'s rows) on a worker
    thread: the event loop never waits for the database, so a hung or lost one holds up only
    the requests that need it, never /readyz or the others."""

    def run() -> V:
        with platform.read_models.reading(tenant_id) as conn:
            return query(conn, *args)

    return await anyio.to_thread.run_sync(run)


def _loader(
    platform: Platform,
    tenant_id: str,
    batch: Callable[[Executor, str, Sequence[str]], dict[str, list[V]]],
) -> DataLoader[str, list[V]]:
    async def load(keys: list[str]) -> list[list[V]]:
        found = await read_off_loop(platform, tenant_id, batch, tenant_id, keys)
        return [found.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


def _one_loader(
    platform: Platform,
    tenant_id: str,
    batch: Callable[[Executor, str, Sequence[str]], dict[str, V]],
) -> DataLoader[str, V | None]:
    async def load(keys: list[str]) -> list[V | None]:
        found = await read_off_loop(platform, tenant_id, batch, tenant_id, keys)
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


@dataclass
class Loaders:
    """Batch nested lists into one SQL statement per level (DataLoader)."""

    members: DataLoader[str, list[q.MenteeRow]]
    sessions: DataLoader[str, list[q.SessionRow]]
    outcomes: DataLoader[str, list[q.OutcomeRow]]
    trainings: DataLoader[str, list[q.TrainingRow]]
    groups_of_mentee: DataLoader[str, list[q.GroupRow]]
    registrations: DataLoader[str, list[q.RegistrationRow]]
    mentor: DataLoader[str, q.MentorRow | None]
    cohort: DataLoader[str, q.CohortRow | None]
    attendance: DataLoader[tuple[str, int], list[q.AttendanceRow]]


def build_loaders(platform: Platform, tenant_id: str, mentor_scope: str | None) -> Loaders:
    async def attendance(keys: list[tuple[str, int]]) -> list[list[q.AttendanceRow]]:
        groups = sorted({g for g, _ in keys})
        found = await read_off_loop(platform, tenant_id, q.attendance_of, tenant_id, groups)
        return [found.get(k, []) for k in keys]

    return Loaders(
        members=_loader(platform, tenant_id, q.members_of),
        sessions=_loader(platform, tenant_id, q.sessions_of),
        outcomes=_loader(platform, tenant_id, q.outcomes_of),
        trainings=_loader(platform, tenant_id, q.trainings_of),
        groups_of_mentee=_loader(
            platform,
            tenant_id,
            lambda conn, tenant, keys: q.groups_of_mentees(conn, tenant, keys, mentor_scope),
        ),
        registrations=_loader(platform, tenant_id, q.registrations_of),
        mentor=_one_loader(platform, tenant_id, q.mentors_by_id),
        cohort=_one_loader(platform, tenant_id, q.cohorts_by_id),
        attendance=DataLoader(load_fn=attendance),
    )


@dataclass
class RequestContext(BaseContext):
    platform: Platform
    authenticate: Callable[[str | None], TenantContext]
    authorization: str | None
    waits: ConsistencyWaits
    idempotency_key: str | None = None
    """The request's Idempotency-Key header (gateway/idempotency.py)."""
    correlation_id: str = ""
    """The request's W3C trace id and the gateway's span id in it (``protection.Traceparent``):
    its events' correlation id."""
    saved: dict[str, int] = field(default_factory=dict)
    """Root fields whose change is saved, with its position: their errors must say so."""
    _caller: TenantContext | None = field(default=None)
    _refusal: Exception | None = field(default=None)
    _loaders: Loaders | None = field(default=None)
    cacheable: bool = field(default=True)
    """False when an answer depends on more than the projection's version (a release)."""
    _deadline: float | None = field(default=None)
    _waiting: dict[int, asyncio.Task[bool]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()

    def principal(self) -> TenantContext:
        """The authenticated caller, else an ``UNAUTHENTICATED`` error.

        Over HTTP the credentials come in the Authorization header; over a WebSocket
        (subscriptions), in the ``connection_init`` payload as ``Authorization``.
        """
        if self._refusal is not None:
            raise self._refusal
        if self._caller is None:
            header = self.authorization
            params = self.connection_params
            if header is None and isinstance(params, dict):
                header = params.get("Authorization") or params.get("authorization")
            caller = self.authenticate(header if isinstance(header, str) else None)
            self._caller = replace(caller, correlation_id=self.correlation_id)
        return self._caller

    async def identify(self) -> None:
        """Authenticate the Authorization header now, on a worker thread: the check may read
        the database (a PIN or mentor not seen lately), and the event loop must never wait for
        it, or a hung database would stop /readyz and every other request with it. A refusal
        is kept, and raised where the caller is first needed, as before."""
        if self.authorization is None or self._caller is not None:
            return
        try:
            await anyio.to_thread.run_sync(self.principal)
        except Exception as refusal:
            self._refusal = refusal

    def reader(self, *roles: Role) -> TenantContext:
        """The caller, when their role may read this (personal data by default)."""
        caller = self.principal()
        if caller.role not in (roles or PERSONAL_DATA_ROLES):
            raise Forbidden(f"The {caller.role} role may not read this.")
        return caller

    @property
    def mentor_scope(self) -> str | None:
        """A mentor's own id: mentors see only the groups they lead and those groups' mentees."""
        caller = self.principal()
        return caller.actor if caller.role == Role.MENTOR else None

    @property
    def tenant(self) -> str:
        return str(self.principal().tenant_id)

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = build_loaders(self.platform, self.tenant, self.mentor_scope)
        return self._loaders

    async def read(self, query: Callable[..., V], *args: Any, **kwargs: Any) -> V:
        """Run ``query`` in a read transaction limited to the caller's PIN, off the event
        loop (``read_off_loop``)."""
        return await read_off_loop(self.platform, self.tenant, partial(query, **kwargs), *args)

    def read_here(self, query: Callable[..., V], *args: Any, **kwargs: Any) -> V:
        """``read`` on the current thread: only for code already running on a worker thread."""
        with self.platform.read_models.reading(self.tenant) as conn:
            return query(conn, *args, **kwargs)

    async def catch_up(self, position: int) -> bool:
        """Wait until the read models include ``position`` (the caller's own writes).

        The request waits at most ``MENTORING_CONSISTENCY_TIMEOUT`` in all, however many of
        its fields wait, and once per position; only authenticated callers wait.
        """
        caller = self.principal()
        if self._deadline is None:
            self._deadline = time.monotonic() + self.platform.settings.consistency_timeout
        task = self._waiting.get(position)
        if task is None:
            key = f"{caller.tenant_id}/{caller.role}/{caller.actor}"
            task = asyncio.ensure_future(self.waits.reach(position, key, self._deadline))
            self._waiting[position] = task
        return await task
