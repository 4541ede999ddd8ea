"""The HTTP application: GraphQL at /graphql (GraphiQL in development), health endpoints."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter

from gateway.auth import Unauthenticated, authenticate
from gateway.bootstrap import Platform
from gateway.context import RequestContext
from gateway.schema import build_schema

log = logging.getLogger(__name__)


def create_app(platform: Platform) -> FastAPI:
    """The gateway over ``platform``; the relay runs while the app runs."""
    development = platform.settings.environment == "development"
    schema = build_schema(introspection=development)

    async def context(request: Request) -> RequestContext:
        try:
            caller = authenticate(platform.settings, request.headers.get("authorization"))
        except Unauthenticated as error:
            return RequestContext(platform=platform, caller=None, auth_error=error)
        return RequestContext(platform=platform, caller=caller, auth_error=None)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        platform.start()
        log.info("gateway ready; read models at position %s", platform.views.status.position)
        try:
            yield
        finally:
            platform.stop()

    app = FastAPI(title="Group mentoring platform", lifespan=lifespan)
    app.include_router(
        GraphQLRouter(
            schema,
            context_getter=context,
            graphql_ide="graphiql" if development else None,
            allow_queries_via_get=False,
        ),
        prefix="/graphql",
    )

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """Ready when the event store answers and the projections are running."""
        status = platform.views.status
        body: dict[str, object] = {"projections": {status.name: {"position": status.position}}}
        try:
            body["lag_events"] = platform.lag()
        except Exception:
            log.exception("readyz: the event store does not answer")
            body["status"] = "event store unavailable"
            return JSONResponse(body, status_code=503)
        if status.error:
            body["status"] = "projection stopped"
            body["projections"] = {
                status.name: {"position": status.position, "error": status.error}
            }
            return JSONResponse(body, status_code=503)
        body["status"] = "ready"
        return JSONResponse(body)

    return app
