"""Answer a coordinator's planned reads in one statement, before graphql-core executes them.

The extension runs after parsing and validation (limits, cost, allow-list: unchanged), and
after the result cache (a hit never gets here). When ``gateway.read_plan`` plans the whole
operation, its one statement runs in the caller's read transaction (row-level security as
for every read) on a worker thread, and its JSON is the answer; graphql-core then has
nothing to execute. Anything else, and any failure of the statement, takes the usual path,
which answers as before (errors and codes included).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from gateway.context import RequestContext, read_off_loop
from gateway.errors import UNAVAILABLE_ERRORS
from gateway.read_plan import Plan, plan
from gateway.result_cache import LRU
from projections.database import Executor, PostgresReadModels
from services.context import Role

log = logging.getLogger(__name__)


def _answer(conn: Executor, planned: Plan) -> Any:
    return conn.execute(planned.sql, planned.params).fetchone()["data"]


def _unavailable(operation: OperationDefinitionNode, error: Exception) -> ExecutionResult:
    """What graphql-core answers when the database fails every root field's resolver: no
    data (the root fields are non-null), the first root field's error."""
    fields = [node for node in operation.selection_set.selections if isinstance(node, FieldNode)]
    errors = [
        GraphQLError(
            str(error),
            node,
            path=[node.alias.value if node.alias else node.name.value],
            original_error=error,
        )
        for node in fields[:1]
    ]
    return ExecutionResult(data=None, errors=errors)


def planned_reads(plans: int = 256) -> type[SchemaExtension]:
    """The extension, with its own bounded cache of plans (one per document, operation,
    variables and PIN)."""
    compiled = LRU(plans)

    class PlannedReads(SchemaExtension):
        async def on_execute(self) -> AsyncIterator[None]:
            execution = self.execution_context
            context = execution.context
            if (
                execution.result is not None  # answered from the result cache
                or not isinstance(context, RequestContext)
                or execution.operation_type != OperationType.QUERY
                or execution.graphql_document is None
                or not execution.query  # the plan is kept by the document's text
                or not isinstance(context.platform.read_models, PostgresReadModels)
            ):
                yield
                return
            try:
                caller = context.principal()
            except Exception:  # unauthenticated: the resolvers report it
                yield
                return
            if caller.role != Role.COORDINATOR:  # mentors' scope and refusals: usual path
                yield
                return
            tenant = str(caller.tenant_id)
            key = (
                execution.query,
                execution.operation_name,
                json.dumps(execution.variables or {}, sort_keys=True, default=str),
                tenant,
            )
            operation = get_operation_ast(execution.graphql_document, execution.operation_name)
            planned = compiled.get(key)
            if planned is None:
                planned = (
                    plan(execution.schema._schema, operation, execution.variables, tenant)
                    if operation is not None
                    else None
                ) or False
                compiled.put(key, planned)
            if planned is False or operation is None:
                yield
                return
            try:
                data = await read_off_loop(context.platform, tenant, _answer, planned)
            except Exception as error:
                if isinstance(error, UNAVAILABLE_ERRORS):
                    # the usual path would wait for the same database again: answer as it would
                    execution.result = _unavailable(operation, error)
                else:
                    log.warning("planned read failed; the usual path answers", exc_info=True)
                yield
                return
            if isinstance(data, dict):
                execution.result = ExecutionResult(data=data, errors=None)
            yield

    return PlannedReads
