"""The base every aggregate of the platform shares: tenant and command metadata on every event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, dataclass_transform
from uuid import UUID

from eventsourcing.domain import Aggregate, CanInitAggregate, CanMutateAggregate

from domain.errors import CrossTenantViolation


@dataclass(frozen=True)
class CommandMetadata:
    """Who asked for a change and which request it belongs to."""

    actor: str
    correlation_id: str


SYSTEM = CommandMetadata(actor="system", correlation_id="")

_metadata: ContextVar[CommandMetadata] = ContextVar("command_metadata", default=SYSTEM)


@contextmanager
def acting_as(metadata: CommandMetadata) -> Iterator[None]:
    """Stamp every event recorded inside the block with ``metadata``."""
    token = _metadata.set(metadata)
    try:
        yield
    finally:
        _metadata.reset(token)


if TYPE_CHECKING:
    # What eventsourcing does at run time, said to the type checker: an aggregate's annotated
    # fields are its ``__init__``'s parameters, hence its creation event's fields.
    @dataclass_transform(eq_default=False, field_specifiers=(field,))
    class _DeclaredAggregate(Aggregate):
        pass

else:
    _DeclaredAggregate = Aggregate


class TenantAggregate(_DeclaredAggregate):
    """An aggregate that belongs to one PIN (tenant).

    Every event carries the tenant id, the pseudonymous actor and the correlation id of
    the command that caused it, as the event contract asks.
    """

    tenant_id: UUID

    class Event(Aggregate.Event):
        tenant_id: UUID
        actor: str
        correlation_id: str

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _create(
        cls,
        event_class: type[CanInitAggregate[Any]],
        **kwargs: Any,
    ) -> Any:
        meta = _metadata.get()
        kwargs.update(actor=meta.actor, correlation_id=meta.correlation_id)
        return super()._create(event_class, **kwargs)

    def trigger_event(
        self,
        event_class: type[CanMutateAggregate[Any]],
        **kwargs: Any,
    ) -> None:
        meta = _metadata.get()
        kwargs.update(
            tenant_id=self.tenant_id, actor=meta.actor, correlation_id=meta.correlation_id
        )
        super().trigger_event(event_class, **kwargs)

    def require_same_tenant(self, other: TenantAggregate, what: str) -> None:
        if other.tenant_id != self.tenant_id:
            raise CrossTenantViolation(
                f"{what} belongs to another PIN; only shared activities cross PINs."
            )
