"""Limits on a document's shape: depth, aliases and expanded size, in time linear in its text.

strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` walk a fragment again at every
spread, so a few hundred bytes of fragments that spread each other three times over cost
3**levels steps before any limit is reported (and block the event loop, where no timeout
reaches). Here each fragment is measured once and its figures reused at every spread, so the
work is bounded by the document's length; the *expanded* size (every field as execution would
meet it) is limited too, which refuses a fragment bomb outright.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)


@dataclass(frozen=True)
class Shape:
    """What a selection set expands to: nesting depth, aliased fields and fields in all."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0

    def beside(self, other: Shape) -> Shape:
        return Shape(
            max(self.depth, other.depth), self.aliases + other.aliases, self.fields + other.fields
        )


class _Measure:
    """Shapes of one document's selection sets, each fragment measured once."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], cap: int) -> None:
        self._fragments = fragments
        self._done: dict[str, Shape] = {}
        self._cap = cap  # figures past this are all "too many": keep the numbers small

    def selection_set(self, selection_set: SelectionSetNode | None) -> Shape:
        shape = Shape()
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                inner = self.selection_set(selection.selection_set)
                # Introspection does not count towards depth (GraphiQL's own query is deep);
                # the cost rule still bounds it. A leaf adds no depth.
                nests = selection.selection_set and not selection.name.value.startswith("__")
                part = Shape(
                    inner.depth + 1 if nests else 0,
                    inner.aliases + (1 if selection.alias else 0),
                    inner.fields + 1,
                )
            elif isinstance(selection, FragmentSpreadNode):
                part = self.fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                part = self.selection_set(selection.selection_set)
            else:
                continue
            shape = shape.beside(part)
            if shape.fields > self._cap or shape.aliases > self._cap:
                return Shape(shape.depth, min(shape.aliases, self._cap + 1), self._cap + 1)
        return shape

    def fragment(self, name: str) -> Shape:
        known = self._done.get(name)
        if known is not None:
            return known
        definition = self._fragments.get(name)
        # Unknown fragments and cycles are reported by graphql-core's own rules.
        self._done[name] = Shape()
        if definition is None:
            return Shape()
        self._done[name] = self.selection_set(definition.selection_set)
        return self._done[name]


def document_limits(max_depth: int, max_aliases: int, max_fields: int) -> type[ASTValidationRule]:
    """A validation rule refusing operations deeper than ``max_depth``, with more than
    ``max_aliases`` aliased fields, or that expand to more than ``max_fields`` fields."""

    class DocumentLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            definitions = context.document.definitions
            fragments = {
                d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)
            }
            measure = _Measure(fragments, max(max_fields, max_aliases))
            aliases = 0
            for operation in definitions:
                if not isinstance(operation, OperationDefinitionNode):
                    continue
                shape = measure.selection_set(operation.selection_set)
                name = operation.name.value if operation.name else "anonymous"
                if shape.fields > max_fields:
                    context.report_error(
                        GraphQLError(
                            f"Operation '{name}' expands to more than {max_fields} fields "
                            "(fragments count at every spread); ask for less.",
                            operation,
                        )
                    )
                if shape.depth > max_depth:
                    context.report_error(
                        GraphQLError(
                            f"Operation '{name}' is nested {shape.depth} levels deep, over the "
                            f"limit of {max_depth}.",
                            operation,
                        )
                    )
                aliases += shape.aliases
            if aliases > max_aliases:
                context.report_error(
                    GraphQLError(
                        f"The document uses more than {max_aliases} aliases (fragments count "
                        "at every spread); ask for less."
                    )
                )

    return DocumentLimits
