"""The HTTP application: GraphQL at /graphql (GraphiQL in development), health endpoints."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest
from starlette.requests import HTTPConnection

from gateway.audit.trail import public_key_document
from gateway.auth import Authenticator
from gateway.bootstrap import Platform
from gateway.consistency import ConsistencyWaits
from gateway.console import console_router
from gateway.context import RequestContext
from gateway.graphql_router import MentoringGraphQLRouter
from gateway.graphql_ws import PROTOCOLS as WEBSOCKET_PROTOCOLS
from gateway.idempotency import HEADER as IDEMPOTENCY_HEADER
from gateway.protection import BodyLimit, JsonBody, Timeout, Traceparent, load_allow_list
from gateway.schema import build_schema
from projections.tenant_views import LAG_EVENTS, LAG_SECONDS
from services.group_lag import PartitionLag

log = logging.getLogger(__name__)
READY_WITHIN = 1.5
"""Seconds /readyz waits for the databases before it answers 503."""
PARTITION_LAG = Gauge(
    "mentoring_projection_partition_lag",
    "Messages of a Kafka partition the projectors' group has not committed (end - committed)",
    ["projection", "partition"],
)
PARTITION_STALLED = Gauge(
    "mentoring_projection_partition_stalled_seconds",
    "How long a partition with lag has gone without its committed offset moving",
    ["projection", "partition"],
)
OLDEST_UNAPPLIED = Gauge(
    "mentoring_projection_oldest_unapplied_seconds",
    "How long ago the oldest event the projectors' group has not applied occurred (0: none)",
    ["projection"],
)


def create_app(platform: Platform) -> FastAPI:
    """The gateway over ``platform``; the relay runs while the app runs."""
    development = platform.settings.environment == "development"
    settings = platform.settings
    schema = build_schema(
        introspection=development,
        max_cost=settings.max_query_cost,
        cache_size=settings.result_cache_size,
        allow_list=(
            load_allow_list(Path(settings.persisted_queries_file))
            if settings.persisted_queries_file
            else None
        ),
    )

    authenticate = Authenticator(platform.settings, platform.read_models)
    waits = ConsistencyWaits(platform)

    async def context(connection: HTTPConnection) -> RequestContext:
        made = RequestContext(
            platform=platform,
            authenticate=authenticate,
            authorization=connection.headers.get("authorization"),
            waits=waits,
            idempotency_key=connection.headers.get(IDEMPOTENCY_HEADER),
            correlation_id=str(connection.scope.get("state", {}).get("correlation_id", "")),
        )
        await made.identify()
        return made

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
        MentoringGraphQLRouter(
            schema,
            context_getter=context,
            graphql_ide="graphiql" if development else None,
            allow_queries_via_get=True,  # queries only; a mutation over GET is 405
            subscription_protocols=WEBSOCKET_PROTOCOLS,
        ),
        prefix="/graphql",
    )
    # The web console at /: its pages run GraphQL through the same schema and context.
    app.include_router(console_router(schema, context, settings))
    if settings.oidc_issuer:  # sign-in with the organisation's OpenID Connect provider
        from gateway.console.oidc import oidc_router

        app.include_router(oidc_router(settings, authenticate))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive (answered on the event loop: needs no worker thread)."""
        return {"status": "ok"}

    @app.get("/audit/public-key")
    def audit_public_key() -> dict[str, str]:
        """The Ed25519 key that signs audit checkpoints (docs/audit.md)."""
        return public_key_document(platform)

    readiness = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")

    def measure_partitions() -> list[PartitionLag]:
        """Kafka's view of the lag, per partition, also set as metrics."""
        name = platform.views.name
        partitions = platform.partition_lag()
        for part in partitions:
            PARTITION_LAG.labels(name, str(part.partition)).set(part.lag)
            PARTITION_STALLED.labels(name, str(part.partition)).set(part.stalled_seconds)
        oldest = oldest_unapplied(partitions)
        if oldest is not None:  # unknown this time: the gauge keeps its last value
            OLDEST_UNAPPLIED.labels(name).set(oldest)
        return partitions

    def measure() -> tuple[int, float, dict[str, object], list[PartitionLag], int]:
        lag_events, lag_seconds = platform.lag()
        stored = platform.views.stored_position()
        partitions = measure_partitions()
        return lag_events, lag_seconds, platform.views.reported() or {}, partitions, stored

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """Ready when the event store, the read models and Kafka answer and no partition has
        stalled; reports projection lag, per partition with Kafka, and stops.

        Answers within READY_WITHIN seconds whatever the databases do: a check that has not
        finished by then is an unavailable database (it goes on, bounded by the connect
        timeout, in the background). A partition whose lag has not moved for
        MENTORING_PROJECTION_STALL_SECONDS makes it 503 "stalled". A projection stopped by a
        poison event makes the gateway "degraded" while nothing waits behind it: it still
        serves (older) reads, and the stop shows here and in the metrics. It runs on the
        event loop and its own threads, so requests that wait for a database (and fill the
        shared worker threads) never hold it up.
        """
        try:
            lag_events, lag_seconds, reported, partitions, stored = await asyncio.wait_for(
                asyncio.wrap_future(readiness.submit(measure)), READY_WITHIN
            )
        except TimeoutError:
            log.warning("readyz: the databases did not answer within %.1f s", READY_WITHIN)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        except Exception as failure:
            log.warning("readyz: a database or Kafka does not answer: %s", failure)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        kafka = [
            {
                "partition": p.partition,
                "lag": p.lag,
                "committed": p.committed,
                "end": p.end,
                "stalled_seconds": p.stalled_seconds,
                "oldest_unapplied_seconds": p.oldest_unapplied_seconds,
            }
            for p in partitions
        ]
        oldest = {"oldest_unapplied_seconds": oldest_unapplied(partitions)} if partitions else {}
        stall = settings.projection_stall_seconds
        if any(p.stalled_seconds >= stall for p in partitions):
            log.warning("readyz: a partition has not moved for %.0f s or more: %s", stall, kafka)
            return JSONResponse(
                {
                    "status": "stalled",
                    "lag_events": sum(p.lag for p in partitions),
                    **oldest,
                    "partitions": kafka,
                },
                status_code=503,
            )
        status = platform.views.status
        error = status.error or reported.get("error")
        projection: dict[str, object] = {
            "position": max(status.position, stored),
            "lag_events": lag_events,
            "lag_seconds": round(lag_seconds, 3),
        }
        if error:
            projection["error"] = error
        LAG_EVENTS.labels(status.name).set(lag_events)
        LAG_SECONDS.labels(status.name).set(lag_seconds)
        return JSONResponse(
            {
                "status": "degraded" if error else "ready",
                "lag_events": max(lag_events, sum(p.lag for p in partitions)),
                "projections": {status.name: projection},
                **oldest,
                **({"partitions": kafka} if partitions else {}),
            }
        )

    def measure_for_metrics() -> None:
        try:
            lag_events, lag_seconds = platform.lag()
            LAG_EVENTS.labels(platform.views.name).set(lag_events)
            LAG_SECONDS.labels(platform.views.name).set(lag_seconds)
        except Exception:
            log.exception("metrics: could not measure the projection lag")
        try:
            measure_partitions()
        except Exception as failure:
            log.warning("metrics: Kafka does not answer: %s", failure)

    @app.get("/metrics")
    async def metrics() -> Response:
        """Prometheus metrics, with the projection lag measured now (on /readyz's threads,
        not behind the requests)."""
        await asyncio.wrap_future(readiness.submit(measure_for_metrics))
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(JsonBody)
    app.add_middleware(Timeout, seconds=settings.request_timeout)
    app.add_middleware(Traceparent)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    return app


def oldest_unapplied(partitions: list[PartitionLag]) -> float | None:
    """The age of the oldest event not applied on any partition (0.0: all applied; None: some
    are pending but none could be read in time)."""
    ages = [p.oldest_unapplied_seconds for p in partitions if p.lag]
    if not ages:
        return 0.0
    known = [age for age in ages if age is not None]
    return max(known) if known else None
