"""The ``mentoring`` command: serve the gateway, seed the demo, issue local tokens."""

from __future__ import annotations

import json
import logging
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from gateway.app import create_app
from gateway.auth import issue_token
from gateway.bootstrap import Platform, build_platform
from services.context import Role
from services.demo import NETWORKS, seed_demo
from services.settings import Settings

app = typer.Typer(
    help="Group mentoring of skilled immigrants: the platform's command line.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)

HostOption = Annotated[str, typer.Option(help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)]


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _serve(platform: Platform, host: str, port: int) -> None:
    uvicorn.run(create_app(platform), host=host, port=port, log_level="info")


@app.command()
def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Serve GraphQL over the configured store (MENTORING_DATABASE_URL)."""
    _logging(verbose)
    platform = build_platform()
    err.print(f"GraphQL at http://{host}:{port}/graphql")
    _serve(platform, host, port)


@app.command()
def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve GraphQL after seeding.")
    ] = True,
) -> None:
    """Seed the programme of the pilot and the roll-out, then serve it (idempotent)."""
    _logging(False)
    platform = build_platform()
    with err.status("Seeding the demo programme..."):
        summary = seed_demo(platform.store)
        platform.relay.pump()
    if not serve:
        typer.echo(json.dumps(summary.to_dict(), indent=2))
        platform.close()
        return
    settings = platform.settings
    err.print("Coordinator tokens (valid 8 hours); paste one into GraphiQL's Headers tab:")
    for network in NETWORKS:
        token = issue_token(
            settings,
            role=Role.COORDINATOR,
            tenant=network.slug,
            subject=f"{network.slug}-coordinator",
        )
        # Plain output: the whole token must survive copy and paste.
        typer.echo(f'{network.slug:6} {{"Authorization": "Bearer {token}"}}', err=True)
    state = "already seeded" if summary.already_seeded else "seeded"
    err.print(f"Demo {state}. GraphiQL: http://{host}:{port}/graphql")
    err.print(
        "Paste a header above into GraphiQL's Headers tab, then try: { cohorts { totalCount } }"
    )
    _serve(platform, host, port)


@app.command()
def token(
    role: Annotated[Role, typer.Option(help="Role the token grants.")] = Role.COORDINATOR,
    tenant: Annotated[
        str | None, typer.Option(help="PIN slug (required for coordinator and mentor).")
    ] = None,
    subject: Annotated[
        str | None, typer.Option(help="Pseudonymous actor id (a mentor's id for mentors).")
    ] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds.", min=60)] = 8 * 3600,
) -> None:
    """Print a signed bearer token for local use (HS256, MENTORING_JWT_SECRET)."""
    settings = Settings()
    try:
        typer.echo(
            issue_token(
                settings,
                role=role,
                tenant=tenant,
                subject=subject or f"{tenant or 'platform'}-{role}",
                ttl_seconds=ttl,
            )
        )
    except ValueError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None


if __name__ == "__main__":
    app()
