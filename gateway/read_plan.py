# ruff: noqa: S608 - SQL from constant text, GraphQL names checked against the tables above
# and "?" placeholders: every value the caller sends is a parameter.
"""A coordinator's read of a PIN's view, planned into one SQL statement.

The usual path resolves every field in Python and reads each nesting level with its own
statement (DataLoaders). For the shapes a PIN's dashboards ask for most (the connections
``cohorts``, ``groups``, ``mentors`` and ``mentees``, with groups' mentors, cohorts, mentees,
sessions and attendance, and people's trainings and outcomes) this module builds one
statement per operation instead: PostgreSQL builds the answer's JSON itself
(``json_build_object`` / ``json_agg``), with the same filters (``projections.queries``), the
same order, the same tenant conditions and under the same row-level security, since it runs
in the caller's read transaction.

``plan`` answers None for anything it does not know exactly (another root field, fragments,
directives, ``__typename``, a field with arguments it does not plan, a value a resolver
would refuse): such requests take the usual path, which gives every error and code as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from uuid import UUID

from graphql import FieldNode, GraphQLError, GraphQLField, GraphQLSchema, OperationDefinitionNode
from graphql.execution.values import get_argument_values, get_variable_values

from gateway.errors import BadInputError
from gateway.read_plan_shapes import (
    COHORT,
    GROUP,
    MENTEE,
    MENTOR,
    Builder,
    Fragment,
    Unplanned,
    cursor_of,
    fields_of,
    object_of,
    selections,
)
from gateway.types import check_name_contains, decode_cursor
from projections import queries as q


@dataclass
class Plan:
    """``sql`` with ``?`` placeholders and its ``params``: one row, one column ``data``."""

    sql: str
    params: list[Any]


def _first(value: Any) -> int:
    if not isinstance(value, int) or not 0 <= value <= q.MAX_PAGE:
        raise Unplanned("first out of range: the resolver refuses it")
    return value


def _after(value: Any) -> int | None:
    try:
        return decode_cursor(value)
    except BadInputError:
        raise Unplanned("not a cursor: the resolver refuses it") from None


def _uuid(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return str(UUID(str(value)))
    except ValueError:
        raise Unplanned("not an id: the resolver refuses it") from None


def _name_contains(value: Any) -> str | None:
    try:
        return check_name_contains(value)
    except BadInputError:
        raise Unplanned("a name search too long: the resolver refuses it") from None


def _connection(
    builder: Builder,
    kind: str,
    scalars: Mapping[str, str],
    table: str,
    filters: q.Filters,
    first: int,
    after: int | None,
    node: FieldNode,
) -> Fragment:
    """``q._page`` and ``gateway.types.to_connection`` in one expression."""
    where = " AND ".join(cond for cond, _ in filters)
    values = [value for _, value in filters]
    page = builder.alias("page")
    cursor = " AND seq > ?" if after is not None else ""
    head = (
        f"WITH {page} AS (SELECT * FROM {table} WHERE {where}{cursor} ORDER BY seq LIMIT ?) ",
        [*values, *([after] if after is not None else []), first + 1],
    )
    rows = f"(SELECT * FROM {page} ORDER BY seq LIMIT {first})"
    parts: list[str] = []
    params: list[Any] = list(head[1])
    for key, child in fields_of(node):
        parts.append(f"'{key}'")
        name = child.name.value
        if name == "totalCount" and child.selection_set is None:
            parts.append(f"(SELECT count(*) FROM {table} WHERE {where})")
            params += values
        elif name == "edges":
            t = builder.alias("n")
            edge: list[str] = []
            for edge_key, edge_field in fields_of(child):
                edge.append(f"'{edge_key}'")
                if edge_field.name.value == "cursor" and edge_field.selection_set is None:
                    edge.append(cursor_of(t))
                elif edge_field.name.value == "node" and edge_field.selection_set is not None:
                    obj, obj_params = object_of(builder, kind, scalars, t, edge_field.selection_set)
                    edge.append(obj)
                    params += obj_params
                else:
                    raise Unplanned("an edge field that is not planned")
            parts.append(
                f"coalesce((SELECT json_agg(json_build_object({', '.join(edge)}) "
                f"ORDER BY {t}.seq) FROM {rows} {t}), '[]'::json)"
            )
        elif name == "pageInfo":
            info: list[str] = []
            for info_key, info_field in fields_of(child):
                info.append(f"'{info_key}'")
                info_name = info_field.name.value
                if info_field.selection_set is not None:
                    raise Unplanned("pageInfo has scalars only")
                if info_name == "hasNextPage":
                    info.append(f"((SELECT count(*) FROM {page}) > {first})")
                elif info_name == "hasPreviousPage":
                    info.append("true" if after is not None else "false")
                elif info_name in ("startCursor", "endCursor"):
                    t = builder.alias("c")
                    direction = "" if info_name == "startCursor" else " DESC"
                    info.append(
                        f"(SELECT {cursor_of(t)} FROM {rows} {t} ORDER BY seq{direction} LIMIT 1)"
                    )
                else:
                    raise Unplanned("a pageInfo field that is not planned")
            parts.append(f"json_build_object({', '.join(info)})")
        else:
            raise Unplanned(f"connection field {name} is not planned")
    return f"({head[0]}SELECT json_build_object({', '.join(parts)}))", params


def _root(builder: Builder, name: str, args: dict[str, Any], node: FieldNode) -> Fragment:
    if args.get("consistentWith") is not None:
        raise Unplanned("read-your-writes waits on the usual path")
    first, after, tenant = _first(args.get("first")), _after(args.get("after")), builder.tenant
    if name == "groups":
        filters = q.group_filters(tenant, _uuid(args.get("cohortId")))
        table = "mentoring_groups"
        return _connection(builder, "Group", GROUP, table, filters, first, after, node)
    if name == "mentees":
        filters = q.mentee_filters(
            tenant,
            args.get("profession"),
            args.get("language"),
            _uuid(args.get("cohortId")),
            name_contains=_name_contains(args.get("nameContains")),
        )
        return _connection(builder, "Mentee", MENTEE, "mentees", filters, first, after, node)
    if name == "mentors":
        filters = q.mentor_filters(
            tenant,
            args.get("profession"),
            args.get("language"),
            name_contains=_name_contains(args.get("nameContains")),
        )
        return _connection(builder, "Mentor", MENTOR, "mentors", filters, first, after, node)
    if name == "cohorts":
        state = args.get("state")
        filters = q.cohort_filters(tenant, state.value if isinstance(state, Enum) else state)
        return _connection(builder, "Cohort", COHORT, q.COHORTS, filters, first, after, node)
    raise Unplanned(f"root field {name} is not planned")


ROOTS = frozenset({"groups", "mentees", "mentors", "cohorts"})


def plan(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None,
    tenant_id: str,
) -> Plan | None:
    """One statement answering ``operation`` for a coordinator of ``tenant_id``, or None."""
    query_type = schema.query_type
    if query_type is None:
        return None
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):  # invalid variables: graphql-core reports them
        return None
    builder = Builder(tenant_id)
    parts: list[str] = []
    params: list[Any] = []
    try:
        for key, node in selections(operation.selection_set):
            name = node.name.value
            if name not in ROOTS:
                raise Unplanned(f"root field {name}")
            definition: GraphQLField = query_type.fields[name]
            args = get_argument_values(definition, node, coerced)
            sql, values = _root(builder, name, args, node)
            parts += [f"'{key}'", sql]
            params += values
    except (Unplanned, GraphQLError, KeyError):
        return None
    if not parts:
        return None
    return Plan(f"SELECT json_build_object({', '.join(parts)}) AS data", params)
