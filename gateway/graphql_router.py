"""The gateway's GraphQL route: strawberry's FastAPI router, speaking GraphQL over HTTP, with
GraphiQL served from local files in development."""

from __future__ import annotations

from strawberry.fastapi import GraphQLRouter

from gateway.context import RequestContext
from gateway.graphiql import LocalGraphiQL
from gateway.graphql_http import GraphQLOverHTTP
from gateway.graphql_ws import SubscriptionsOverWebSocket


class MentoringGraphQLRouter(
    GraphQLOverHTTP,
    SubscriptionsOverWebSocket,
    LocalGraphiQL,
    GraphQLRouter[RequestContext, None],
):
    """GET and POST per the GraphQL-over-HTTP specification (gateway/graphql_http.py);
    subscriptions over graphql-transport-ws only (gateway/graphql_ws.py); GraphiQL without a
    CDN (gateway/graphiql.py)."""
