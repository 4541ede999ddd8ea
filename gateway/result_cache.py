"""Query results cached until the read models change.

Read models change only when a projection applies events, so a query's result is valid as
long as the projection's version (the sum of its tracked positions) has not moved. The key
holds who asks (PIN, role, and a mentor's own id), the document, its variables and that
version; errors are never cached. Bounded LRU.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from gateway.context import RequestContext


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


def result_cache(size: int) -> type[SchemaExtension]:
    cache = LRU(size)

    class ResultCache(SchemaExtension):
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
                # read off the event loop, as every database read of a request
                await anyio.to_thread.run_sync(context.platform.views.version),
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
