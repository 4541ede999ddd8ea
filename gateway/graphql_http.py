"""GraphQL over HTTP as its specification has it, on strawberry's FastAPI router.

What strawberry's view leaves open, settled here: the answer's media type from ``Accept``
(``application/graphql-response+json`` or ``application/json``, else 406), status codes per
media type, every refusal as a GraphQL error body with a code (never plain text), queries
over GET so that persisted queries can be cached (never a mutation: 405), and subscriptions
refused over HTTP with the way to reach them (a WebSocket). The rules themselves, status codes
included, are in gateway/graphql_http_protocol.py.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, overload

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from fastapi.routing import APIRoute
from graphql import OperationType
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.exceptions import MissingQueryError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType as AllowedOperation
from strawberry.types.unset import UNSET

from gateway.context import RequestContext
from gateway.graphql_http_protocol import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    NO_DOCUMENT,
    SUBSCRIPTIONS_NEED_A_WEBSOCKET,
    Refusal,
    graphql_request,
    is_request_error,
    negotiate,
    operation_type,
    query_string_parameters,
    refusal_body,
    request_error,
    request_json,
    response_status,
)

log = logging.getLogger(__name__)

OTHER_METHODS = ["PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"]


class GraphQLOverHTTP(GraphQLRouter[RequestContext, None]):
    """strawberry's router speaking GraphQL over HTTP (mix in before ``GraphQLRouter``)."""

    # Longer GETs belong in a POST: uvicorn (h11) refuses request heads over 16 KiB with a
    # plain-text 400 when they arrive in pieces, and many proxies and CDNs cap URLs at 8 KiB.
    max_query_bytes = 8 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Without these routes FastAPI answers other methods itself: {"detail": ...} and an
        # Allow header naming only the first route's method.
        paths = {
            r.path for r in self.routes if isinstance(r, APIRoute) and "POST" in (r.methods or ())
        }
        for path in paths:
            self.add_api_route(
                path, self._method_not_allowed, methods=OTHER_METHODS, include_in_schema=False
            )

    async def _method_not_allowed(self) -> Response:
        return self._refused(
            Refusal(
                405,
                f"GraphQL is served over {' and '.join(self._methods())} only.",
                {"Allow": ", ".join(self._methods())},
            ),
            JSON,
        )

    def _methods(self) -> list[str]:
        return ["GET", "POST"] if self.allow_queries_via_get else ["POST"]

    @overload
    async def run(
        self, request: Request, context: RequestContext = UNSET, root_value: None = UNSET
    ) -> Response: ...

    @overload
    async def run(
        self, request: WebSocket, context: RequestContext = UNSET, root_value: None = UNSET
    ) -> WebSocket: ...

    async def run(
        self,
        request: Request | WebSocket,
        context: RequestContext = UNSET,
        root_value: None = UNSET,
    ) -> Response | WebSocket:
        if self.is_websocket_request(request):
            return await super().run(request, context, root_value)
        assert isinstance(request, Request)
        # Fetched before anything awaits, so it is this request's (strawberry does the same).
        sub_response = await self.get_sub_response(request)
        media_type = JSON
        try:
            if not self.should_render_graphql_ide(self.request_adapter_class(request)):
                negotiated = negotiate(request.headers.get("accept"))
                if negotiated is None:
                    raise Refusal(
                        406,
                        f"The answer is {GRAPHQL_RESPONSE_JSON} or {JSON}; the Accept header "
                        "allows neither.",
                    )
                media_type = negotiated
            sub_response.media_type = media_type
            response = await super().run(request, context, root_value)
        except HTTPException as refusal:
            return self._refused(refusal, media_type)
        if request.method == "GET" and response.status_code == 200:
            return self._cacheable(request, response)
        return response

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # Without an IDE, a GET without a query is a bad request, not a 404.
        return self.graphql_ide is not None and super().should_render_graphql_ide(request)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        if request.method == "GET":
            query_string = request.url.partition("?")[2]
            if len(query_string) > self.max_query_bytes:
                raise Refusal(
                    414,
                    f"The query string is over {self.max_query_bytes} bytes: send the request "
                    "as a POST.",
                )
            return graphql_request(query_string_parameters(query_string))
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if content_type != JSON:
            raise Refusal(415, f"Send the GraphQL request as JSON, with Content-Type: {JSON}.")
        return graphql_request(request_json(await request.get_body()))

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: RequestContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        allowed = {AllowedOperation.QUERY, AllowedOperation.MUTATION}
        if request_adapter.method == "GET":
            allowed = {AllowedOperation.QUERY}
            if not self.allow_queries_via_get:
                raise Refusal(405, "GraphQL is served over POST only.", {"Allow": "POST"})
            # Before any extension runs (the allow-list would answer FORBIDDEN first).
            if operation_type(request_data.query or "", request_data.operation_name) == (
                OperationType.MUTATION
            ):
                raise self._mutation_over_get()
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type == AllowedOperation.MUTATION:
                raise self._mutation_over_get() from None
            return request_error(SUBSCRIPTIONS_NEED_A_WEBSOCKET)
        except CannotGetOperationTypeError as error:
            if error.operation_name is None:
                return request_error("The document holds no operation to run.")
            return request_error(f"The document has no operation named {error.operation_name!r}.")
        except MissingQueryError:
            raise Refusal(400, NO_DOCUMENT) from None

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if is_request_error(result):
            response.pop("data", None)  # GraphQL: no `data` when execution never started
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = sub_response.media_type or JSON
        status = sub_response.status_code or (
            200 if isinstance(response_data, list) else response_status(response_data, media_type)
        )
        response = Response(
            self.encode_json(response_data),
            status_code=status,
            media_type=f"{media_type}; charset=utf-8",
        )
        response.headers.raw.extend(sub_response.headers.raw)
        return response

    def _mutation_over_get(self) -> Refusal:
        return Refusal(
            405, "A mutation runs over POST only; GET serves queries.", {"Allow": "POST"}
        )

    def _refused(self, refusal: HTTPException, media_type: str) -> Response:
        headers = getattr(refusal, "headers", {})
        if refusal.status_code == 405 and not headers:
            headers = {"Allow": ", ".join(self._methods())}
        log.info("refused with %s: %s", refusal.status_code, refusal.reason)
        return Response(
            self.encode_json(refusal_body(refusal.reason)),
            status_code=refusal.status_code,
            media_type=f"{media_type}; charset=utf-8",
            headers=headers,
        )

    def _cacheable(self, request: Request, response: Response) -> Response:
        """A GET's answer, for caches: an ETag of its body, to be revalidated every time
        (the read models may have moved), private (it is the caller's own view)."""
        tag = '"' + hashlib.sha256(response.body).hexdigest()[:32] + '"'
        headers = {
            "ETag": tag,
            "Cache-Control": "private, no-cache",
            "Vary": "Accept, Authorization",
        }
        if tag in (t.strip() for t in request.headers.get("if-none-match", "").split(",")):
            return Response(status_code=304, headers=headers)
        response.headers.update(headers)
        return response
