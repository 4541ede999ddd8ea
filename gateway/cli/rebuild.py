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

    from gateway.bootstrap.rebuild import rebuilding
    from projections.audit.carry_over import carry_over_audit_log
    from projections.rebuild import rebuild_tenant_views

    err = Console(stderr=True)
    started = time.monotonic()
    with (
        rebuilding(settings) as source,
        Progress(
            TextColumn("rebuilding {task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,} / {task.total:,} positions"),
            TimeRemainingColumn(),
            console=err,
        ) as progress,
    ):
        task = progress.add_task(name, total=source.head)
        final = rebuild_tenant_views(
            source.live,
            source.read_after,
            lambda position: progress.update(task, completed=position),
            carry_over=carry_over_audit_log,
            personal=source.personal,
        )
    err.print(f"rebuilt {name} up to position {final} in {time.monotonic() - started:.1f} s")
