"""Helpers every resolver shares: read-your-writes, not-found, running a use case."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread

from gateway import idempotency
from gateway.bootstrap import Platform
from gateway.consistency import Stale
from gateway.errors import BadInputError
from gateway.types import Connection, Ctx, check_first, decode_cursor, parse_id, to_connection
from services import use_cases as uc
from services.context import TenantContext
from services.errors import NotFound
from services.store import AlreadyApplied, MentoringStore

R = TypeVar("R")
N = TypeVar("N")
MAX_LIST = 20


async def consistent(info: Ctx, position: int | None) -> None:
    """Read-your-writes: wait (bounded) until the read models include ``position``."""
    if position is None:
        return
    if position < 0:
        raise BadInputError("consistentWith is a store position: 0 or more.")
    if not await info.context.catch_up(position):
        raise Stale(f"The read models have not reached position {position} yet; retry shortly.")


def found(row: R | None, kind: str, ident: object) -> R:
    """``row``, else NOT_FOUND (an unknown id and another PIN's id read the same)."""
    if row is None:
        raise NotFound(kind, ident)
    return row


def short_list(field: str, values: list[Any]) -> list[Any]:
    if len(values) > MAX_LIST:
        raise BadInputError(f"{field} may hold at most {MAX_LIST} entries.")
    return values


async def run_use_case(
    info: Ctx,
    use_case: Callable[[MentoringStore, Any, TenantContext], uc.Changed],
    command: object,
) -> tuple[TenantContext, uc.Changed]:
    """Run a use case off the event loop, then wait until its events are readable."""
    caller = info.context.principal()
    platform = info.context.platform
    made = idempotency.request(info.context.idempotency_key, caller, use_case, command)
    run = partial(_run_and_publish, platform, use_case, command, caller)
    changed = await anyio.to_thread.run_sync(_run_once, platform, run, made)
    info.context.saved[str(info.path.key)] = changed.position  # from now on, errors say so
    if not await _caught_up(info, changed.position):
        raise Stale(
            f"The change was saved (position {changed.position}), but the read models have not "
            f"caught up yet; query again with consistentWith: {changed.position}.",
            changed.position,
        )
    return caller, changed


async def _caught_up(info: Ctx, position: int) -> bool:
    """Whether the read models include a saved change's ``position`` within the wait.

    A wait refused at once (the caller already has too many) is a wait that did not reach it:
    the answer must still say the change was saved, and where, or a client would send it again.
    """
    try:
        return await info.context.catch_up(position)
    except Stale:
        return False


def _run_once(
    platform: Platform, run: Callable[[], uc.Changed], made: idempotency.Request | None
) -> uc.Changed:
    """The use case, once per Idempotency-Key: a retry gets what the first request changed."""
    if made is None:
        return run()
    earlier = idempotency.answered(platform, made)
    if earlier is not None:
        return earlier
    try:
        with platform.store.request(made.key):
            changed = run()
    except AlreadyApplied:  # at the same moment, or before its answer was kept
        earlier = idempotency.answered(platform, made)
        if earlier is None:
            raise
        return earlier
    idempotency.keep(platform, made, changed)
    return changed


def _run_and_publish(
    platform: Platform,
    use_case: Callable[[MentoringStore, Any, TenantContext], uc.Changed],
    command: object,
    caller: TenantContext,
) -> uc.Changed:
    """The use case, then (embedded) its events published at once, not at the next poll."""
    changed = use_case(platform.store, command, caller)
    platform.publish_pending()
    return changed


async def read_own(
    info: Ctx, query: Callable[..., R | None], kind: str, ident: object, *args: object
) -> R:
    """The row ``ident`` (an id, checked) of the caller's PIN, else NOT_FOUND."""
    key = str(parse_id(str(ident), "id"))
    return found(await info.context.read(query, info.context.tenant, key, *args), kind, ident)


async def read_page(
    info: Ctx,
    query: Callable[..., Any],
    convert: Callable[[Any], N],
    first: int,
    after: str | None,
    *args: object,
    **filters: object,
) -> Connection[N]:
    """A page of the caller's PIN's rows (``first`` after the cursor ``after``), converted."""
    page = await info.context.read(
        query,
        info.context.tenant,
        *args,
        first=check_first(first),
        after=decode_cursor(after),
        **filters,
    )
    return to_connection(page, convert)
