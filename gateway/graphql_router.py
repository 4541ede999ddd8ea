"""The gateway's GraphQL route: strawberry's FastAPI router, speaking GraphQL over HTTP."""

from __future__ import annotations

from strawberry.fastapi import GraphQLRouter

from gateway.context import RequestContext
from gateway.graphql_ws import SubscriptionsOverWebSocket


class MentoringGraphQLRouter(SubscriptionsOverWebSocket, GraphQLRouter[RequestContext, None]):
    """Subscriptions over graphql-transport-ws only (gateway/graphql_ws.py)."""
