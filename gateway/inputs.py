"""Mutation inputs derived from the use cases' command dataclasses."""

from __future__ import annotations

import dataclasses
from typing import Any, get_type_hints

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions import FieldExtension
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField


def input_of(command: type[Any]) -> type[Any]:
    """``<Command>Input``: the command's fields, in its order, with its defaults."""
    hints = get_type_hints(command)
    namespace: dict[str, Any] = {"__annotations__": {}, "__module__": __name__}
    for field in dataclasses.fields(command):
        namespace["__annotations__"][field.name] = hints[field.name]
        if field.default is not dataclasses.MISSING:
            namespace[field.name] = field.default
        elif field.default_factory is not dataclasses.MISSING:
            namespace[field.name] = strawberry.field(default_factory=field.default_factory)
    return strawberry.input(type(f"{command.__name__}Input", (), namespace))


class CommandInput(FieldExtension):
    """The mutation's one argument, ``input``, is ``input_of(command)``; its resolver gets
    the command itself."""

    def __init__(self, command: type[Any]) -> None:
        self.command = command
        self.input = input_of(command)

    def apply(self, field: StrawberryField) -> None:
        annotation = StrawberryAnnotation(self.input)
        field.arguments = [StrawberryArgument("input", None, type_annotation=annotation)]

    def map_arguments(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {**kwargs, "input": self.command(**vars(kwargs["input"]))}
