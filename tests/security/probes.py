"""What an attacker reads off the schema: every root field, the ids it takes, and documents
that select everything a field can return. Built from the schema itself, so a new field is
probed without anyone remembering to add it here."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
    parse,
    validate,
)

from gateway.protection import cost_limit
from gateway.schema import build_schema

OPERATIONS = ("query", "mutation", "subscription")

# A value the schema accepts for each scalar; ids come from the caller (``id_for``).
SCALAR_VALUES: dict[str, Any] = {
    "String": "Security probe",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Date": "2024-02-05",
    "DateTime": "2030-01-01T00:00:00+00:00",
}
PAGE_SIZE = 3  # `first` of the root connections in generated documents


@cache
def graphql_schema() -> GraphQLSchema:
    return build_schema()._schema


@dataclass(frozen=True)
class RootField:
    operation: str
    name: str

    @property
    def field(self) -> GraphQLField:
        root = {
            "query": graphql_schema().query_type,
            "mutation": graphql_schema().mutation_type,
            "subscription": graphql_schema().subscription_type,
        }[self.operation]
        assert root is not None
        field: GraphQLField = root.fields[self.name]
        return field

    @property
    def returns(self) -> str:
        """The name of the type the field returns, without Payload (``ApiKeyPayload``: ApiKey)."""
        name = get_named_type(self.field.type).name
        return name.removesuffix("Payload")

    def __str__(self) -> str:
        return f"{self.operation} {self.name}"


def root_fields(*operations: str) -> list[RootField]:
    schema = graphql_schema()
    roots = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }
    return [
        RootField(op, name)
        for op in operations or OPERATIONS
        if (root := roots[op]) is not None
        for name in root.fields
    ]


@dataclass(frozen=True)
class IdPath:
    """Where an id goes in a field's arguments: ``("input", "cohortId")``, ``("menteeIds",)``."""

    root: RootField
    path: tuple[str, ...]

    @property
    def name(self) -> str:
        """The name the id has where it is given (``cohortId``; ``id``; ``present``)."""
        return self.path[-1]

    @property
    def optional_filter(self) -> bool:
        """A nullable top-level argument of a query: a filter, not a lookup."""
        argument = self.root.field.args[self.path[0]]
        return self.root.operation == "query" and not isinstance(argument.type, GraphQLNonNull)

    def __str__(self) -> str:
        return f"{self.root.name}({'.'.join(self.path)})"


def _id_paths(
    type_: GraphQLInputType, prefix: tuple[str, ...], seen: frozenset[str]
) -> Iterator[tuple[str, ...]]:
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType) and named.name == "ID":
        yield prefix
    elif isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        for name, field in named.fields.items():
            yield from _id_paths(field.type, (*prefix, name), seen | {named.name})


def id_paths(*operations: str) -> list[IdPath]:
    """Every place in every root field's arguments that takes an ID."""
    return [
        IdPath(root, path)
        for root in root_fields(*operations)
        for name, argument in root.field.args.items()
        for path in _id_paths(argument.type, (name,), frozenset())
    ]


# What each id argument names, by its name; an `id` names what the field returns.
ARG_KINDS = {
    "cohortId": "cohort",
    "groupId": "group",
    "menteeId": "mentee",
    "mentorId": "mentor",
    "personId": "person",  # a mentee or a mentor
    "activityId": "activity",
    "proposalId": "proposal",
    "present": "mentee",
    "absent": "mentee",
    "menteeIds": "mentee",
    "firstId": "person",
    "secondId": "person",
}
RETURN_KINDS = {
    "Cohort": "cohort",
    "Group": "group",
    "Mentor": "mentor",
    "Mentee": "mentee",
    "SharedActivity": "activity",
    "GroupProposal": "proposal",
    "ApiKey": "apiKey",
}


# Where neither the argument's name nor the field's type tells.
FIELD_KINDS = {
    ("eraseMentee", "id"): "mentee",
    ("eraseMentor", "id"): "mentor",
}


def id_kind(target: IdPath) -> str | None:
    """The kind of record the id at ``target`` names, or None if nobody said."""
    if (target.root.name, target.name) in FIELD_KINDS:
        return FIELD_KINDS[(target.root.name, target.name)]
    if target.name == "id":
        return RETURN_KINDS.get(target.root.returns)
    return ARG_KINDS.get(target.name)


IdFor = Callable[[tuple[str, ...]], Any]


def ids_by_kind(root: RootField, ids: Mapping[str, str]) -> IdFor:
    """Fill every id argument of ``root`` from ``ids`` (kind -> id; a person is a mentee)."""

    def id_for(path: tuple[str, ...]) -> str:
        kind = id_kind(IdPath(root, path))
        return ids.get("mentee" if kind == "person" else kind or "", str(uuid.uuid4()))

    return id_for


def _value(
    type_: GraphQLInputType, path: tuple[str, ...], id_for: IdFor, wanted: set[tuple[str, ...]]
) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type, path, id_for, wanted)
    if isinstance(type_, GraphQLList):
        return [_value(type_.of_type, path, id_for, wanted)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: _value(field.type, (*path, name), id_for, wanted)
            for name, field in type_.fields.items()
            if _needed(field.type, field.default_value, (*path, name), wanted)
        }
    assert isinstance(type_, GraphQLScalarType)
    if type_.name == "ID":
        return id_for(path)
    if type_.name not in SCALAR_VALUES:
        raise AssertionError(f"no probe value for the scalar {type_.name} at {'.'.join(path)}")
    return SCALAR_VALUES[type_.name]


def _needed(type_: Any, default: Any, path: tuple[str, ...], wanted: set[tuple[str, ...]]) -> bool:
    from graphql.pyutils import Undefined

    required = isinstance(type_, GraphQLNonNull) and default is Undefined
    return required or any(w[: len(path)] == path for w in wanted)


def arguments(root: RootField, id_for: IdFor, *wanted: tuple[str, ...]) -> dict[str, Any]:
    """Values for the field's required arguments, and for the optional ones on ``wanted`` paths."""
    values: dict[str, Any] = {}
    for name, argument in root.field.args.items():
        if name == "first":
            values[name] = PAGE_SIZE
        elif _needed(argument.type, argument.default_value, (name,), set(wanted)):
            values[name] = _value(argument.type, (name,), id_for, set(wanted))
    return values


def selection(type_: Any, depth: int = 6, seen: frozenset[str] = frozenset()) -> str:
    """Every leaf under ``type_`` (no type twice on a path), ``depth`` levels deep at most."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    assert isinstance(named, GraphQLObjectType), named
    parts = []
    for name, field in named.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if is_leaf_type(inner):
            parts.append(name)
        elif depth > 1 and inner.name not in seen:
            sub = selection(inner, depth - 1, seen | {named.name})
            if sub:
                parts.append(f"{name} {{ {sub} }}")
    return " ".join(parts) or "__typename"


def document(
    root: RootField, values: dict[str, Any], depth: int = 6, max_cost: int = 20_000
) -> str:
    """An operation calling ``root`` with ``values`` as variables, selecting every leaf
    ``depth`` levels deep, or less deep when the gateway's cost limit would refuse it."""
    return _document(root, tuple(values), depth, max_cost)


@cache
def _document(root: RootField, names: tuple[str, ...], depth: int, max_cost: int) -> str:
    args = root.field.args
    header = ", ".join(f"${name}: {args[name].type}" for name in names)
    call = ", ".join(f"{name}: ${name}" for name in names)
    for levels in range(depth, 0, -1):
        sub = selection(root.field.type, levels)
        body = f"{root.name}{f'({call})' if call else ''}" + (f" {{ {sub} }}" if sub else "")
        text = f"{root.operation} Probe{f'({header})' if header else ''} {{ {body} }}"
        if not validate(graphql_schema(), parse(text), [cost_limit(max_cost)]):
            return text
    raise AssertionError(f"no document for {root} fits the cost limit")


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included, and the documents nested in strings."""
    if isinstance(value, str):
        yield value
        if value[:1] in "[{":
            try:
                nested = json.loads(value)
            except ValueError:
                nested = None
            yield from strings(nested)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def leaked(body: Any, secrets: set[str]) -> set[str]:
    """The ``secrets`` that appear anywhere in ``body`` (case-insensitive)."""
    text = "\n".join(strings(body)).lower()
    return {s for s in secrets if s.lower() in text}


def uuid_forms(value: str) -> list[str]:
    """The spellings of a UUID that a lenient parser accepts."""
    hex_ = value.replace("-", "")
    return [value, value.upper(), hex_, f"{{{value}}}", f"urn:uuid:{value}"]


def spellings(value: str) -> list[str]:
    """A UUID as given, and spelled otherwise (as an upper-case URN) for a lenient parser."""
    return [value, f"urn:uuid:{value.upper()}"]


def normalised(body: Any, *idents: str) -> Any:
    """``body`` with every spelling of ``idents`` replaced by ``<ID>``."""
    text = json.dumps(body, sort_keys=True)
    for ident in idents:
        for form in sorted(set(uuid_forms(ident)), key=len, reverse=True):
            text = re.sub(re.escape(form), "<ID>", text, flags=re.IGNORECASE)
    return json.loads(text)
