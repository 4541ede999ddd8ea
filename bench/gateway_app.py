"""An app factory for uvicorn, for the gateway experiments of ``bench/graphql_read.py``.

The gateway has no app factory (``gateway.app.create_app`` takes a built ``Platform``; only
``mentoring serve`` builds one), so ``uvicorn --factory`` and ``--workers N`` cannot start it.
This module is that factory, for the benchmark only:

    .venv/bin/uvicorn --factory bench.gateway_app:create --workers 2 --no-access-log

It changes nothing in the platform unless an experiment is switched on by environment:

``BENCH_GW_STATIC_RULES=1``
    Build the depth and alias limiters' validation rules once, not per request. strawberry's
    ``QueryDepthLimiter`` / ``MaxAliasesLimiter`` create a new rule class in ``__init__``, and
    ``gateway/schema.py`` passes them as factories (``lambda: QueryDepthLimiter(...)``), so
    every request brings new rule classes; ``ValidationCache`` keys its LRU on the tuple of
    rules, so it never hits and every request is validated again. The same limits apply.

``BENCH_GW_UNPLANNED=1``
    The gateway as it was before reads were planned: every request resolved field by field
    by graphql-core with DataLoaders (``build_schema(planned=False)``), for comparison.
"""

from __future__ import annotations

import os
import types
from typing import Any

from fastapi import FastAPI
from strawberry.extensions import AddValidationRules, MaxAliasesLimiter, QueryDepthLimiter

import gateway.app
from gateway.bootstrap import build_platform

_original_build_schema = gateway.app.build_schema  # type: ignore[attr-defined]


def _static_rules(extensions: list[Any]) -> list[Any]:
    """``extensions`` with each per-request limiter factory replaced by fixed rule classes."""
    fixed: list[Any] = []
    for ext in extensions:
        if isinstance(ext, types.FunctionType):
            probe = ext()
            if isinstance(probe, (QueryDepthLimiter, MaxAliasesLimiter)):
                rules = list(probe.validation_rules)  # built once, reused by every request
                fixed.append(lambda rules=rules: AddValidationRules(rules))
                continue
        fixed.append(ext)
    return fixed


def _build_schema_static_rules(**kwargs: Any) -> Any:
    schema = _original_build_schema(**kwargs)
    schema.extensions = tuple(_static_rules(list(schema.extensions)))
    return schema


def _build_schema_unplanned(**kwargs: Any) -> Any:
    return _original_build_schema(**kwargs, planned=False)


def create() -> FastAPI:
    """The gateway as ``mentoring serve`` builds it (plus the experiments switched on)."""
    if os.environ.get("BENCH_GW_UNPLANNED") == "1":
        gateway.app.build_schema = _build_schema_unplanned  # type: ignore[attr-defined]
    if os.environ.get("BENCH_GW_STATIC_RULES") == "1":
        gateway.app.build_schema = _build_schema_static_rules  # type: ignore[attr-defined]
    platform = build_platform()
    return gateway.app.create_app(platform)
