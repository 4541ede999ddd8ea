"""Frozen dataclasses that events hold as plain JSON values (a proposal's problem, its result).

A ``Record`` is stored as a dict of its fields: ids as strings, enums by value, tuples as
lists, records within it as their own dicts (a record with ``AS_PAIR`` as the list of its
two values). Reading one back converts each value by its field's type, so a stored record
reads back equal to the one written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from enum import Enum
from types import NoneType, UnionType
from typing import Any, ClassVar, Self, Union, get_args, get_origin, get_type_hints
from uuid import UUID

Decode = Callable[[Any], Any]


class Record:
    """A frozen dataclass with ``to_dict`` and ``from_dict`` derived from its fields."""

    AS_PAIR: ClassVar[bool] = False  # stored as [first, second] instead of a dict
    _decoders: ClassVar[dict[str, Decode]]

    def __init_subclass__(cls) -> None:
        # Worked out once per class: a record's field types are defined before the record.
        super().__init_subclass__()
        cls._decoders = {
            name: _decoder(hint)
            for name, hint in get_type_hints(cls).items()
            if get_origin(hint) is not ClassVar and hint is not ClassVar
        }

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Read a stored record; a field missing from ``data`` takes its default."""
        return cls(**{k: decode(data[k]) for k, decode in cls._decoders.items() if k in data})


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        plain = value.to_dict()
        return list(plain.values()) if value.AS_PAIR else plain
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


def _decoder(hint: Any) -> Decode:
    """How to read a stored value of the type ``hint``."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType):  # only ``X | None`` is used
        (inner,) = (_decoder(a) for a in args if a is not NoneType)
        return lambda value: None if value is None else inner(value)
    if origin is tuple:
        item = _decoder(args[0])
        return lambda values: tuple(item(v) for v in values)
    if origin is Mapping:
        key, item = _decoder(args[0]), _decoder(args[1])
        return lambda values: {key(k): item(v) for k, v in values.items()}
    if isinstance(hint, type) and issubclass(hint, Record):
        record: type[Record] = hint
        if record.AS_PAIR:
            return lambda pair: record.from_dict(dict(zip(record._decoders, pair, strict=True)))
        return record.from_dict
    if hint is UUID:
        return lambda value: UUID(str(value))
    if isinstance(hint, type):
        return hint  # int, float, bool, str, an enum
    raise TypeError(f"A record cannot hold a {hint!r}.")
