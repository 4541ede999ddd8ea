"""The gateway's GraphQL route: strawberry's FastAPI router, speaking GraphQL over HTTP."""

from __future__ import annotations

from strawberry.fastapi import GraphQLRouter

from gateway.context import RequestContext
from gateway.graphql_http import GraphQLOverHTTP
from gateway.graphql_ws import SubscriptionsOverWebSocket


class MentoringGraphQLRouter(
    GraphQLOverHTTP, SubscriptionsOverWebSocket, GraphQLRouter[RequestContext, None]
):
    """GET and POST per the GraphQL-over-HTTP specification (gateway/graphql_http.py);
    subscriptions over graphql-transport-ws only (gateway/graphql_ws.py)."""
