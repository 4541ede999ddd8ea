"""The GraphQL schema, assembled in one place with its protections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from graphql.validation.rules import overlapping_fields_can_be_merged
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.disable_introspection import DisableIntrospection
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from gateway.api.access import AccessMutation, AccessQuery
from gateway.api.activity import ActivitySubscription
from gateway.api.audit import AuditMutation, AuditQuery
from gateway.api.follow_ups import FollowUpMutation, FollowUpQuery
from gateway.api.imports import ImportMutation
from gateway.api.matching import MatchingMutation, MatchingQuery
from gateway.api.privacy import PrivacyMutation, PrivacyQuery
from gateway.api.statistics import StatisticsMutation, StatisticsQuery
from gateway.api.tenant_mutations import TenantMutation
from gateway.api.tenant_queries import TenantQuery
from gateway.document_limits import document_limits
from gateway.errors import code_errors
from gateway.planned_reads import planned_reads
from gateway.protection import cost_limit, persisted_queries_only
from gateway.result_cache import result_cache

MAX_DEPTH = 8
MAX_ALIASES = 30
MAX_TOKENS = 2000
MAX_FIELDS = 5000  # fields of an operation with every fragment spread expanded
# graphql-core compares same-named fields pairwise (quadratic) until a budget runs out; its
# default (500,000) lets 490 repeats of `me { role }` hold the event loop for about 0.9 s.
# A 25th of it is still far more than any real document needs.
overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = 20_000

# The capabilities' root types, in the order their fields stand in the schema.
QUERIES: tuple[type, ...] = (
    TenantQuery,
    AccessQuery,
    StatisticsQuery,
    AuditQuery,
    MatchingQuery,
    PrivacyQuery,
    FollowUpQuery,
)
MUTATIONS: tuple[type, ...] = (
    TenantMutation,
    AccessMutation,
    AuditMutation,
    MatchingMutation,
    PrivacyMutation,
    StatisticsMutation,
    ImportMutation,
    FollowUpMutation,
)
SUBSCRIPTIONS: tuple[type, ...] = (ActivitySubscription,)


class CachedParser(ParserCache):
    """strawberry's ``ParserCache``, except that a document which does not parse is left for
    strawberry to parse again inside its own error handling. (From ``ParserCache.on_parse``
    the syntax error escapes ``Schema.stream`` and a WebSocket subscriber gets a bare
    ``complete``; over HTTP it is caught elsewhere.)"""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        except GraphQLError:
            context.graphql_document = None
        yield


class MentoringSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = getattr(execution_context, "context", None)
        code_errors(errors, getattr(context, "saved", None))


def build_schema(
    *,
    introspection: bool = True,
    max_cost: int = 20_000,
    allow_list: frozenset[str] | None = None,
    cache_size: int = 0,
    planned: bool = True,
) -> strawberry.Schema:
    """The schema with its protections: caches, limits on depth, aliases, tokens and cost,
    coded errors; optionally introspection off and persisted queries only. ``planned``: a
    coordinator's planned reads in one statement (gateway/planned_reads.py), after the
    result cache."""
    extensions: list[Any] = []
    if allow_list is not None:
        extensions.append(persisted_queries_only(allow_list))
    # The rule classes are built once: the validation cache is keyed by them, and limiter
    # extensions built per request would make a new class each time (no cache hit, ever).
    rules: list[type[ASTValidationRule]] = [
        cost_limit(max_cost),
        document_limits(MAX_DEPTH, MAX_ALIASES, MAX_FIELDS),
    ]
    extensions += [
        lambda: CachedParser(maxsize=256),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=256),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    if cache_size:
        extensions.append(result_cache(cache_size))
    if planned:
        extensions.append(planned_reads())
    return MentoringSchema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        subscription=merge_types("Subscription", SUBSCRIPTIONS),
        extensions=extensions,
    )
