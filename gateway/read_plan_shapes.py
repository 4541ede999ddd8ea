# ruff: noqa: S608 - SQL from constant text, GraphQL names checked against the tables below
# and "?" placeholders: every value the caller sends is a parameter.
"""The shapes ``gateway.read_plan`` plans: each type's fields as SQL expressions, and each
nested field as a correlated sub-select that builds its JSON (``json_build_object`` for an
object, ``json_agg`` for a list), with the same tenant conditions and order as the
DataLoaders' queries in ``projections.queries`` (named at each one)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import UnionType
from typing import Any, ClassVar, Union, get_args, get_origin, get_type_hints

from graphql import FieldNode, SelectionSetNode

from projections import queries as q
from projections.rows import (
    AttendanceRow,
    CohortRow,
    GroupRow,
    MenteeRow,
    MentorRow,
    OutcomeRow,
    Row,
    SessionRow,
    TrainingRow,
)

Fragment = tuple[str, list[Any]]
MAX_KEYS = 50  # json_build_object takes at most 100 arguments


class Unplanned(Exception):
    """The request is not one this module plans: it takes the usual path."""


@dataclass
class Builder:
    tenant: str
    aliases: int = 0
    params: list[Any] = field(default_factory=list)

    def alias(self, prefix: str) -> str:
        self.aliases += 1
        return f"{prefix}{self.aliases}"


def _enum(column: str, vocabulary: type[Enum]) -> str:
    """The GraphQL name of a stored enum value (strawberry serialises enums by name)."""
    cases = " ".join(f"WHEN '{member.value}' THEN '{member.name}'" for member in vocabulary)
    return f"(CASE {column} {cases} END)"


def cursor_of(alias: str) -> str:
    """``gateway.types.encode_cursor`` in SQL: url-safe base64 of ``seq:<seq>``."""
    return f"translate(encode(convert_to('seq:' || {alias}.seq, 'UTF8'), 'base64'), E'+/\\n', '-_')"


def scalars(row: type[Row], **expressions: str) -> dict[str, str]:
    """The scalar fields of a GraphQL type whose fields are ``row``'s (``projections.rows``),
    by their GraphQL names: SQL expressions over the row alias "{t}", JSON lists, enums by
    name, flags as booleans; ``expressions`` add or replace fields."""
    fields: dict[str, str] = {}
    for name, hint in get_type_hints(row).items():
        if get_origin(hint) is ClassVar:
            continue
        column = "{t}." + name
        optional = get_origin(hint) in (Union, UnionType)
        kind = next(a for a in get_args(hint) if a is not type(None)) if optional else hint
        if get_origin(kind) is list:
            column += "::json"
        elif isinstance(kind, type) and issubclass(kind, Enum):
            column = _enum(column, kind)
        elif kind is bool:
            column = f"({column} <> 0)"
        graphql_name = name.split("_")[0] + "".join(w.title() for w in name.split("_")[1:])
        fields[graphql_name] = column
    return fields | expressions


# Scalar fields per type: GraphQL name -> SQL expression over the row alias "{t}".
MENTEE = scalars(MenteeRow)
MENTOR = scalars(MentorRow)
COHORT = scalars(CohortRow)
GROUP = scalars(GroupRow, underMinimumSize="({t}.mentee_count < {t}.min_size)")
_SESSION = scalars(SessionRow)
_ATTENDANCE = scalars(AttendanceRow)
_TRAINING = scalars(TrainingRow)
# As gateway.conversion: an empty id is none.
_OUTCOME = scalars(OutcomeRow, cohortId="nullif({t}.cohort_id, '')")

# Nested fields: GraphQL name -> builder of the SQL expression of its value, given the
# builder, the parent's alias and the field's selection set. Filled in below.
Nested = Callable[[Builder, str, SelectionSetNode], Fragment]
_NESTED: dict[str, dict[str, Nested]] = {}


def fields_of(node: FieldNode) -> list[tuple[str, FieldNode]]:
    """(response key, field) of a selection set; Unplanned for anything but plain fields."""
    if node.selection_set is None:
        raise Unplanned("a leaf where an object was expected")
    return selections(node.selection_set)


def selections(selection_set: SelectionSetNode) -> list[tuple[str, FieldNode]]:
    found: list[tuple[str, FieldNode]] = []
    keys: set[str] = set()
    for selection in selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            raise Unplanned("fragments and directives take the usual path")
        key = selection.alias.value if selection.alias else selection.name.value
        if key in keys:  # merged fields: left to graphql-core
            raise Unplanned("a response key selected twice")
        keys.add(key)
        found.append((key, selection))
    if len(found) > MAX_KEYS:
        raise Unplanned("too many fields for one json_build_object")
    return found


def object_of(
    builder: Builder, kind: str, scalars: Mapping[str, str], alias: str, fields: SelectionSetNode
) -> Fragment:
    """``json_build_object`` of ``fields`` of the row ``alias``."""
    parts: list[str] = []
    params: list[Any] = []
    nested = _NESTED.get(kind, {})
    for key, node in selections(fields):
        name = node.name.value
        if node.arguments:
            raise Unplanned("a nested field with arguments")
        parts.append("'" + key.replace("'", "''") + "'")  # keys are GraphQL names: no quotes
        if name in scalars and node.selection_set is None:
            parts.append(scalars[name].format(t=alias))
        elif name in nested and node.selection_set is not None:
            sql, values = nested[name](builder, alias, node.selection_set)
            parts.append(sql)
            params += values
        else:
            raise Unplanned(f"{kind}.{name} is not planned")
    return f"json_build_object({', '.join(parts)})", params


def _list(
    builder: Builder,
    kind: str,
    scalars: Mapping[str, str],
    source: str,
    source_params: list[Any],
    order: str,
    fields: SelectionSetNode,
    alias: str,
) -> Fragment:
    """A JSON array of ``fields`` of the rows of ``source`` (a FROM ... WHERE clause)."""
    obj, params = object_of(builder, kind, scalars, alias, fields)
    return (
        f"coalesce((SELECT json_agg({obj} ORDER BY {order}) {source}), '[]'::json)",
        params + source_params,
    )


def _mentor_of(builder: Builder, group: str, fields: SelectionSetNode) -> Fragment:
    # q.mentors_by_id: the mentor of the caller's PIN with the group's mentor id, else null
    t = builder.alias("mo")
    obj, params = object_of(builder, "Mentor", MENTOR, t, fields)
    return (
        f"(SELECT {obj} FROM mentors {t} WHERE {t}.tenant_id = ? AND {t}.id = {group}.mentor_id)",
        [*params, builder.tenant],
    )


def _cohort_of(builder: Builder, group: str, fields: SelectionSetNode) -> Fragment:
    # q.cohorts_by_id
    t = builder.alias("co")
    obj, params = object_of(builder, "Cohort", COHORT, t, fields)
    return (
        f"(SELECT {obj} FROM {q.COHORTS.replace(' AS cohorts', f' AS {t}')} "
        f"WHERE {t}.tenant_id = ? AND {t}.id = {group}.cohort_id)",
        [*params, builder.tenant],
    )


def _through_members(
    builder: Builder, table: str, prefix: str, joined_on: str, parent_on: str, parent: str
) -> tuple[str, str, str]:
    """(membership alias, row alias, FROM ... WHERE clause) of the rows of ``table`` linked to
    the row ``parent`` by the PIN's group memberships: ``joined_on`` names the rows,
    ``parent_on`` the parent."""
    gm, t = builder.alias("gm"), builder.alias(prefix)
    source = (
        f"FROM group_members {gm} JOIN {table} {t} ON {t}.id = {gm}.{joined_on} "
        f"AND {t}.tenant_id = {gm}.tenant_id "
        f"WHERE {gm}.tenant_id = ? AND {gm}.{parent_on} = {parent}.id"
    )
    return gm, t, source


def _members_of(builder: Builder, group: str, fields: SelectionSetNode) -> Fragment:
    # q.members_of
    gm, t, source = _through_members(builder, "mentees", "me", "mentee_id", "group_id", group)
    return _list(builder, "Mentee", MENTEE, source, [builder.tenant], f"{gm}.seq", fields, t)


def _sessions_of(builder: Builder, group: str, fields: SelectionSetNode) -> Fragment:
    # q.sessions_of
    t = builder.alias("se")
    source = f"FROM group_sessions {t} WHERE {t}.tenant_id = ? AND {t}.group_id = {group}.id"
    return _list(builder, "Session", _SESSION, source, [builder.tenant], f"{t}.number", fields, t)


def _attendance_of(builder: Builder, session: str, fields: SelectionSetNode) -> Fragment:
    # q.attendance_of, keyed by (group_id, number)
    t = builder.alias("at")
    source = (
        f"FROM attendance {t} WHERE {t}.tenant_id = ? AND {t}.group_id = {session}.group_id "
        f"AND {t}.number = {session}.number"
    )
    order = f"{t}.mentee_id"
    return _list(builder, "Attendance", _ATTENDANCE, source, [builder.tenant], order, fields, t)


def _trainings_of(builder: Builder, person: str, fields: SelectionSetNode) -> Fragment:
    # q.trainings_of
    t = builder.alias("tr")
    source = f"FROM trainings {t} WHERE {t}.tenant_id = ? AND {t}.person_id = {person}.id"
    order = f"{t}.version"
    return _list(builder, "Training", _TRAINING, source, [builder.tenant], order, fields, t)


def _outcomes_of(builder: Builder, mentee: str, fields: SelectionSetNode) -> Fragment:
    # q.outcomes_of
    t = builder.alias("ou")
    source = f"FROM outcomes {t} WHERE {t}.tenant_id = ? AND {t}.mentee_id = {mentee}.id"
    return _list(builder, "Outcome", _OUTCOME, source, [builder.tenant], f"{t}.seq", fields, t)


def _groups_of(builder: Builder, mentee: str, fields: SelectionSetNode) -> Fragment:
    # q.groups_of_mentees, for a coordinator (no mentor scope)
    _, t, source = _through_members(
        builder, "mentoring_groups", "gr", "group_id", "mentee_id", mentee
    )
    return _list(builder, "Group", GROUP, source, [builder.tenant], f"{t}.seq", fields, t)


_NESTED.update(
    {
        "Group": {
            "mentor": _mentor_of,
            "cohort": _cohort_of,
            "mentees": _members_of,
            "sessions": _sessions_of,
        },
        "Session": {"attendance": _attendance_of},
        "Mentee": {"trainings": _trainings_of, "outcomes": _outcomes_of, "groups": _groups_of},
        "Mentor": {"trainings": _trainings_of},
    }
)
