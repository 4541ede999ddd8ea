"""Field extensions that many fields share."""

from __future__ import annotations

from typing import Any

from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField

from gateway.resolvers import consistent
from gateway.types import Ctx

ARGUMENT = "consistent_with"


class ConsistentWith(FieldExtension):
    """Read-your-writes: the field takes ``consistentWith: Int = null`` (its last argument)
    and answers once the read models include that store position."""

    def apply(self, field: StrawberryField) -> None:
        # The field is shared by every schema built from its type: add the argument once.
        if all(argument.python_name != ARGUMENT for argument in field.arguments):
            waits = StrawberryArgument(
                python_name=ARGUMENT,
                graphql_name=None,
                type_annotation=StrawberryAnnotation(int | None),
                default=None,
            )
            field.arguments = [*field.arguments, waits]

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Ctx, **kwargs: Any
    ) -> Any:
        await consistent(info, kwargs.pop(ARGUMENT, None))
        return await next_(source, info, **kwargs)
