"""Query results cached until the read models change.

Read models change only when a projection applies events, so a query's result is valid as
long as the version of what it reads has not moved. The key holds who asks (PIN, role, and a
mentor's own id), the document, its variables and that version; errors are never cached.
Bounded LRU.

The version is the caller's PIN's own (gateway/tenant_versions.py) when every root field of
the operation reads only that PIN's rows (``TENANT_ROOTS``): another PIN's writes leave such
answers cached. Any other operation is keyed by the projection's global version (the sum of
its tracked positions), which any PIN's write moves.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
from graphql import FieldNode, get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from gateway.context import RequestContext
from gateway.tenant_versions import TENANT_ROOTS


class LRU:
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
            return None

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def _own_pin_only(execution: ExecutionContext) -> bool:
    """Whether every root field of the operation reads only the caller's PIN."""
    document = execution.graphql_document
    operation = get_operation_ast(document, execution.operation_name) if document else None
    if operation is None:
        return False
    return all(
        isinstance(selection, FieldNode) and selection.name.value in TENANT_ROOTS
        for selection in operation.selection_set.selections
    )


async def _version(context: RequestContext, execution: ExecutionContext, tenant: str) -> Any:
    """The version of what the operation reads (read off the event loop when it takes the
    database, as every database read of a request)."""
    platform = context.platform
    versions = platform.versions
    if versions is not None and _own_pin_only(execution):
        if versions.in_memory:
            return ("pin", versions.version(tenant))
        return ("pin", await anyio.to_thread.run_sync(versions.version, tenant))
    return ("all", await anyio.to_thread.run_sync(platform.views.version))


def result_cache(size: int) -> type[SchemaExtension]:
    cache = LRU(size)

    class ResultCache(SchemaExtension):
        entries = cache  # its hits and misses, for tests

        async def on_execute(self) -> AsyncIterator[None]:
            execution = self.execution_context
            context = execution.context
            if (
                size <= 0
                or not isinstance(context, RequestContext)
                or execution.operation_type != OperationType.QUERY
            ):
                yield
                return
            try:
                caller = context.principal()
            except Exception:  # unauthenticated: let the resolvers report it
                yield
                return
            key = (
                str(caller.tenant_id),
                str(caller.role),
                caller.actor,
                hashlib.sha256((execution.query or "").encode()).hexdigest(),
                execution.operation_name,
                json.dumps(execution.variables or {}, sort_keys=True, default=str),
                await _version(context, execution, str(caller.tenant_id)),
            )
            hit = cache.get(key)
            if hit is not None:
                execution.result = hit
                yield
                return
            yield
            result = execution.result
            if result is not None and not getattr(result, "errors", None) and context.cacheable:
                cache.put(key, result)

    return ResultCache
