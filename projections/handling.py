"""What an event does to a projection's read models, keyed by the domain's event classes.

Each projection lists its handling in one explicit table, ``{Mentee.Enrolled: ..., ...}``
(eventsourcing's ``policy()``, as a table). ``compose`` joins the tables of the tenant views
once, where they are built: an event class that no table handles and none lists as ignored
is an error there, never an event silently dropped.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

import domain
from domain.base import TenantAggregate
from domain.envelope import EventEnvelope
from projections.database import Executor

if TYPE_CHECKING:
    from projections.rebuild_fold import Fold

Handler = Callable[[Executor, EventEnvelope], None]
"""The live effect of an event: statements in the projection's transaction."""
FoldFn = Callable[["Fold", EventEnvelope], None]
"""The same effect in a rebuild: the event folded into rows kept in memory."""


@dataclass(frozen=True)
class Handling:
    """An event's effect on the read models, live and (``fold``) in a rebuild."""

    apply: Handler
    fold: FoldFn | None  # None: a rebuild applies the event with ``apply``
    scrub: bool = False  # erasures: the database is scrubbed after them (no old bytes kept)


Policy = Mapping[type, Handling]


class PolicyError(Exception):
    """The tables of a projection do not say exactly once what each domain event does."""


def event_type(event_class: type) -> str:
    """The envelope's ``event_type`` of ``event_class`` ("Mentee.Enrolled")."""
    return event_class.__qualname__


def no_statement(tx: Executor, e: EventEnvelope) -> None:
    """The live part of an effect that only a rebuild has to fold (its own indexes)."""


def nothing_to_fold(f: Fold, e: EventEnvelope) -> None:
    """The rebuild's part of an effect that is live only (facts kept in memory)."""


def each(*parts: Handling) -> Handling:
    """Several effects of one event, in order (a rebuild folds it only if each part can)."""
    applies = [part.apply for part in parts if part.apply is not no_statement]
    folds = [part.fold for part in parts if part.fold is not nothing_to_fold]
    scrub = any(part.scrub for part in parts)

    def apply(tx: Executor, e: EventEnvelope) -> None:
        for part_apply in applies:
            part_apply(tx, e)

    present = [part_fold for part_fold in folds if part_fold is not None]
    if len(present) < len(folds):
        return Handling(applies[0] if len(applies) == 1 else apply, None, scrub)

    def fold(f: Fold, e: EventEnvelope) -> None:
        for part_fold in present:
            part_fold(f, e)

    # one part each way: that part itself, without a loop (a rebuild calls it per event)
    return Handling(
        applies[0] if len(applies) == 1 else apply, present[0] if len(present) == 1 else fold, scrub
    )


def _aggregates(base: type[Any]) -> Iterator[type[Any]]:
    for subclass in base.__subclasses__():
        yield subclass
        yield from _aggregates(subclass)


def domain_events(aggregates: Iterable[type] | None = None) -> list[type]:
    """Every event class the aggregates define (default: every aggregate in ``domain/``).

    An aggregate's own events only: eventsourcing redefines the inherited ones in each
    subclass (``Mentee.Erased``), but the events recorded are the defining class's
    (``Person.Erased``).
    """
    if aggregates is None:
        for module in pkgutil.walk_packages(domain.__path__, "domain."):
            importlib.import_module(module.name)
        aggregates = (a for a in _aggregates(TenantAggregate) if a.__module__.startswith("domain."))
    return [
        value
        for aggregate in aggregates
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and issubclass(value, Aggregate.Event)
        and not any(name in vars(base) for base in aggregate.__mro__[1:])
    ]


def compose(
    *policies: Policy, ignored: Iterable[type], events: Iterable[type] | None = None
) -> dict[str, Handling]:
    """One projection's handling by event type, from its tables.

    Raises ``PolicyError`` for an event of ``events`` (default: ``domain_events()``)
    that no table handles and ``ignored`` does not list, and for an event two tables claim.
    """
    handling: dict[str, Handling] = {}
    for policy in policies:
        for event_class, effect in policy.items():
            if event_type(event_class) in handling:
                raise PolicyError(f"Two tables handle {event_type(event_class)}.")
            handling[event_type(event_class)] = effect
    skipped = {event_type(c) for c in ignored}
    unknown = [
        event_type(c)
        for c in (domain_events() if events is None else events)
        if event_type(c) not in handling and event_type(c) not in skipped
    ]
    if unknown:
        raise PolicyError(
            f"No table handles or ignores {', '.join(sorted(unknown))}: add a handler "
            "to the projection's table, or the event to the ones it ignores."
        )
    return handling
