"""The web console at ``/``: server-rendered pages for coordinators, mentors, funders and the
network, built only on the public GraphQL API (docs/adr/0010-console-server-rendered.md).

Each feature is a module of this package with a ``router`` made by ``pages.feature_router()``;
``console_router`` includes every module listed in ``FEATURES`` that exists.
"""

from __future__ import annotations

import importlib
import importlib.util

import strawberry
from fastapi import APIRouter, Depends
from starlette.requests import Request

from gateway.console.graphql_client import ConsoleApi, ContextGetter
from services.settings import Settings

FEATURES = (
    "signing_in",
    "assets",
    "home",
    "cohorts",
    "groups",
    "sessions",
    "calendar",
    "registers",
    "outcomes",
    "follow_ups",
    "privacy",
    "imports",
    "api_keys",
    "mentor",
    "funder",
    "network",
)
"""Modules of ``gateway.console`` whose ``router`` the console serves, in this order."""


def console_router(
    schema: strawberry.Schema, context: ContextGetter, settings: Settings
) -> APIRouter:
    """The console's routes, running GraphQL through ``schema`` with the same ``context``
    getter as /graphql (so the same authentication, isolation, limits and errors)."""
    api = ConsoleApi(schema, context, settings)

    async def attach(request: Request) -> None:
        request.state.console_api = api

    router = APIRouter(dependencies=[Depends(attach)], include_in_schema=False)
    for name in FEATURES:
        qualified = f"{__name__}.{name}"
        if importlib.util.find_spec(qualified) is None:  # a feature not written yet
            continue
        router.include_router(importlib.import_module(qualified).router)
    return router
