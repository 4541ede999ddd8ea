"""Spans through OpenTelemetry's API: no-ops until a process installs the SDK.

Each process (gateway, relay, projector) exports spans only when it is configured to
(``gateway/telemetry.py``, off by default). The spans of one change form one trace: the
gateway's request span, the use case in it, the relay's publish span and the projector's
apply span. The link between the processes is the events' correlation id,
``<trace id>-<span id>`` of the request that stored them, and then the Kafka message's
``traceparent`` header.
"""

from __future__ import annotations

import re

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

CORRELATION = re.compile(r"([0-9a-f]{32})-([0-9a-f]{16})")
"""A correlation id naming a request's span: W3C trace id, then the gateway's span id."""
TRACE_ID = re.compile(r"[0-9a-f]{32}")
"""A correlation id of an event stored before requests named their span: the trace id alone."""


def enabled() -> bool:
    """Whether this process records spans (an SDK tracer provider is installed)."""
    return not isinstance(
        trace.get_tracer_provider(), (trace.ProxyTracerProvider, trace.NoOpTracerProvider)
    )


def correlation(trace_id: int, span_id: int) -> str:
    return f"{trace_id:032x}-{span_id:016x}"


def parent(correlation_id: str) -> Context | None:
    """The context of the request span that a correlation id names (None: it names none)."""
    found = CORRELATION.fullmatch(correlation_id)
    if found is None:
        return None
    remote = SpanContext(
        int(found.group(1), 16),
        int(found.group(2), 16),
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    return trace.set_span_in_context(NonRecordingSpan(remote))


def traceparent(correlation_id: str, position: int) -> str | None:
    """The W3C ``traceparent`` of a stored event's message when no span of its own is made."""
    if CORRELATION.fullmatch(correlation_id):
        return f"00-{correlation_id}-01"
    if TRACE_ID.fullmatch(correlation_id):
        return f"00-{correlation_id}-{position:016x}-01"
    return None
