"""One conversion from a read-model row to a GraphQL object type.

A type that derives from ``FromRow`` gets ``Type.of(row)``: each of its fields takes the row's
attribute of the same name (or the one its ``renamed`` map names), converted by the field's
annotation: an ID from any value, a date, a time or an enum from its text or as it is, a list
copied, a nested ``FromRow`` type converted in turn, None kept. Fields with a resolver are
not copied. The plan is made once per type, when the class is defined; a conversion is then a
plain loop over it. Rows may hold text (as stored) or typed values (dates, enums): both work.

A type still names each field it publishes; a field annotated ``strawberry.auto`` takes the type
of the field of its name in the type's ``row`` class (``projections.rows``), as strawberry's
pydantic integration does for a model: ``class Cohort(FromRow, row=CohortRow)``.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, ClassVar, Self, Union, get_args, get_origin, get_type_hints

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types.auto import StrawberryAuto
from strawberry.types.field import StrawberryField

Convert = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _id(value: Any) -> strawberry.ID:
    return strawberry.ID(str(value))


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _optional(convert: Convert) -> Convert:
    # An empty text is no value: rows keep "" for an id, a date or an enum they do not have.
    return lambda value: None if value == "" else convert(value)


def _list_of(convert: Convert) -> Convert:
    if convert is _identity:
        return list
    return lambda values: [convert(v) for v in values]


def _converter(annotation: Any) -> Convert:
    """How a row's value becomes the value of a field annotated ``annotation``."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:  # strawberry.Private[...]: copied as it is
        return _identity
    if origin in (Union, types.UnionType):
        kept = [a for a in args if a is not type(None)]
        inner = _converter(kept[0]) if len(kept) == 1 else _identity
        return _identity if inner is _identity else _optional(inner)
    if origin is list:
        return _list_of(_converter(args[0]))
    if annotation is strawberry.ID:
        return _id
    if annotation is datetime:
        return _datetime
    if annotation is date:
        return _date
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, FromRow):
        return annotation.of
    return _identity


def _typed_from(cls: type, row: type | None, renamed: Mapping[str, str]) -> None:
    """Give each ``strawberry.auto`` field of ``cls`` the type of ``row``'s field it is read
    from, before ``strawberry.type`` reads the annotations."""
    annotations = inspect.get_annotations(cls)
    hints = get_type_hints(cls, include_extras=True)
    row_hints = get_type_hints(row) if row is not None else {}
    for name in annotations:
        if isinstance(hints[name], StrawberryAuto):
            source = renamed.get(name, name)
            if source not in row_hints:
                raise TypeError(f"{cls.__name__}.{name} is auto but no row field {source} types it")
            annotations[name] = row_hints[source]
    cls.__annotations__ = annotations


class FromRow:
    """A GraphQL type built from a read-model row by ``of``; ``renamed``: field -> attribute;
    ``row``: the class whose fields' types the type's ``strawberry.auto`` fields take."""

    __row_plan__: ClassVar[tuple[tuple[str, str, Convert | None], ...]] = ()

    def __init_subclass__(
        cls,
        renamed: Mapping[str, str] | None = None,
        row: type | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        names = inspect.get_annotations(cls)
        if unknown := set(renamed or {}) - set(names):
            raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))} to rename")
        _typed_from(cls, row, renamed or {})
        hints = get_type_hints(cls, include_extras=True)
        plan = []
        for name in names:
            declared = cls.__dict__.get(name)
            if isinstance(declared, StrawberryField) and declared.base_resolver is not None:
                continue  # resolved when asked for, not copied
            convert = _converter(hints[name])
            source = (renamed or {}).get(name, name)
            plan.append((name, source, None if convert is _identity else convert))
        cls.__row_plan__ = tuple(plan)

    @classmethod
    def of(cls, row: object, **given: Any) -> Self:
        """The type's view of ``row``; ``given`` fields are taken as they are, not read."""
        values: dict[str, Any] = {}
        for name, source, convert in cls.__row_plan__:
            if name not in given:
                value = getattr(row, source)
                values[name] = value if convert is None or value is None else convert(value)
        return cls(**values, **given)

    @classmethod
    async def load_all(cls, loader: DataLoader[Any, list[Any]], key: object) -> list[Self]:
        """The type's view of each row ``loader`` gives for ``key``: a nested list field."""
        return [cls.of(r) for r in await loader.load(key)]

    @classmethod
    async def load_one(cls, loader: DataLoader[Any, Any], key: object) -> Self | None:
        """The type's view of the row ``loader`` gives for ``key``; None where there is none."""
        row = await loader.load(key)
        return cls.of(row) if row else None
