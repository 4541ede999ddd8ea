"""Subscriptions over WebSocket: the graphql-transport-ws protocol, strictly.

strawberry's handler needs three corrections, each proven by tests/outside/test_websocket.py
and the WebSocket cases of tests/security/test_hostile_requests.py:

- Credentials in ``connection_init`` are checked before the ``connection_ack``: a bad or
  missing token closes the socket with 4403 (Forbidden), as the protocol asks, instead of
  an ack followed by UNAUTHENTICATED results.
- A ``subscribe`` message that is not shaped as the protocol says (payload not an object,
  query not a string...) closes with 4400 instead of crashing the connection (1011).
- A document that does not parse is reported (close 4400 with the parser's reason), not
  swallowed into a bare ``complete``: see ``CachedParser`` in gateway/schema.py.

The legacy ``graphql-ws`` protocol (subscriptions-transport-ws, unmaintained since 2021) is
not offered: a client asking for only it is refused at the handshake.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.async_base_view import AsyncBaseHTTPView
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types.unset import UNSET, UnsetType

from gateway.auth import Unauthenticated
from gateway.context import RequestContext

log = logging.getLogger(__name__)

PROTOCOLS = (GRAPHQL_TRANSPORT_WS_PROTOCOL,)

_OPTIONAL_OBJECTS = ("variables", "extensions")


def _malformed(message: Any) -> str | None:
    """Why a ``subscribe`` message breaks the protocol, or None when it is well formed."""
    if not isinstance(message.get("id"), str) or not message["id"]:
        return "A subscribe message needs an id (a non-empty string)."
    payload = message.get("payload")
    if not isinstance(payload, dict):
        return "A subscribe message's payload must be an object."
    if not isinstance(payload.get("query"), str):
        return "A subscribe message's payload needs a query (a string)."
    if not isinstance(payload.get("operationName"), str | None):
        return "operationName must be a string or null."
    for name in _OPTIONAL_OBJECTS:
        if not isinstance(payload.get(name), dict | None):
            return f"{name} must be an object or null."
    return None


class TransportWSHandler(BaseGraphQLTransportWSHandler[RequestContext, None]):
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        problem = _malformed(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_subscribe(message)


class SubscriptionsOverWebSocket(AsyncBaseHTTPView[Any, Any, Any, Any, Any, RequestContext, None]):
    """The router's WebSocket side (a mixin for strawberry's FastAPI ``GraphQLRouter``)."""

    graphql_transport_ws_handler_class = TransportWSHandler

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """Authenticate ``connection_init`` (its ``Authorization``) before acknowledging it."""
        try:
            await anyio.to_thread.run_sync(context.principal)
        except Unauthenticated as refused:
            log.info("websocket refused: %s", refused)
            raise ConnectionRejectionError(
                {"message": str(refused), "extensions": {"code": "UNAUTHENTICATED"}}
            ) from refused
        unset: UnsetType = UNSET
        return unset
