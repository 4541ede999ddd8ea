"""``mentoring rebuild``: read models rebuilt from the event store, swapped in at once."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from gateway.cli import startup


def rebuild(
    projection: Annotated[
        str | None,
        typer.Argument(help="The projection to rebuild (tenant_views); default: all of them."),
    ] = None,
) -> None:
    """Rebuild read models from the event store and swap them in at once (progress shown)."""
    from services.settings import Secret

    settings = startup.settings(Secret.PERSONAL_DATA)
    startup.configure_logging()
    from projections.tenant_views import TenantViews

    name = projection or TenantViews.name
    if name != TenantViews.name:
        startup.fail(f"Unknown projection {name!r}; known: {TenantViews.name}.")
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from domain.envelope import EventEnvelope
    from projections.audit_log import carry_over_audit_log
    from projections.database import open_read_models
    from projections.rebuild import rebuild_tenant_views
    from services.store import build_store

    err = Console(stderr=True)
    store = build_store(settings)
    live = open_read_models(settings.read_models_url, settings.read_schema)
    head = store.recorder.max_notification_id() or 0

    def read_after(position: int, limit: int) -> list[EventEnvelope]:
        notifications = store.recorder.select_notifications(
            start=position, limit=limit, inclusive_of_start=False
        )
        return [store.envelope(n) for n in notifications]

    started = time.monotonic()
    with Progress(
        TextColumn("rebuilding {task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} / {task.total:,} positions"),
        TimeRemainingColumn(),
        console=err,
    ) as progress:
        task = progress.add_task(name, total=head)
        final = rebuild_tenant_views(
            live,
            read_after,
            lambda position: progress.update(task, completed=position),
            carry_over=carry_over_audit_log,
            personal=store.personal_data.text,
        )
    live.close()
    store.close()
    err.print(f"rebuilt {name} up to position {final} in {time.monotonic() - started:.1f} s")
