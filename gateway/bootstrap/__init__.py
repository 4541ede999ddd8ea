"""The composition root: the one place that builds the platform's parts from the settings.

Every entry point builds through here and only here: the HTTP app, ``mentoring serve`` and the
commands that run use cases (``build_platform``); ``mentoring audit``, ``report`` and
``statistics`` (``audit_trail``); the relay and the projectors of the production path
(``gateway.bootstrap.production``); ``mentoring rebuild`` (``gateway.bootstrap.rebuild``); the
tests' fixtures and bench. Each builder imports what it builds when it is called, so a command
loads only what it uses.
"""

from gateway.bootstrap.platform import (
    Platform,
    ProjectionPosition,
    audit_trail,
    build_platform,
    read_models,
    tenant_views,
)

__all__ = [
    "Platform",
    "ProjectionPosition",
    "audit_trail",
    "build_platform",
    "read_models",
    "tenant_views",
]
