"""``mentoring serve``, ``demo``, ``token`` and ``schema``: the GraphQL gateway and its tokens."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gateway.cli import startup
from services.context import Role

if TYPE_CHECKING:
    from gateway.bootstrap import Platform

HostOption = Annotated[str, typer.Option(help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)]


def _serve(platform: Platform, host: str, port: int) -> None:
    import uvicorn

    from gateway.app import create_app

    # No access log: a line per request costs more than a cached answer; errors are logged.
    # A WebSocket message is held to the same limit as an HTTP body (uvicorn's default: 16 MiB).
    uvicorn.run(
        create_app(platform),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        ws_max_size=platform.settings.max_request_bytes,
    )


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Serve GraphQL over the configured store (MENTORING_DATABASE_URL)."""
    from services.settings import Secret

    settings = startup.settings(Secret.TOKENS, Secret.PERSONAL_DATA, Secret.AUDIT_SIGNING)
    startup.configure_logging(verbose)
    startup.configure_tracing("gateway")
    from gateway.bootstrap import build_platform

    platform = build_platform(settings)
    typer.echo(f"GraphQL at http://{host}:{port}/graphql", err=True)
    _serve(platform, host, port)


def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve GraphQL after seeding.")
    ] = True,
) -> None:
    """Seed the programme of the pilot and the roll-out, then serve it (idempotent)."""
    from services.settings import Environment

    settings = startup.settings()
    if settings.environment == Environment.PRODUCTION:
        startup.fail(
            "mentoring demo is a development tool: it seeds made-up people and prints tokens; "
            "it does not run with MENTORING_ENVIRONMENT=production."
        )
    startup.configure_logging()
    from rich.console import Console

    from gateway.auth import issue_token
    from gateway.bootstrap import build_platform
    from services.demo import seed_demo
    from services.demo_data import NETWORKS

    err = Console(stderr=True)
    platform = build_platform(settings)
    with err.status("Seeding the demo programme..."):
        summary = seed_demo(platform.store)
        platform.catch_up(platform.store.recorder.max_notification_id() or 0)
        # The public statistics are releases: the demo starts with one.
        if platform.audit is not None and platform.audit.releases.latest() is None:
            platform.audit.releases.release()
    if not serve:
        typer.echo(json.dumps(summary.to_dict(), indent=2))
        platform.close()
        return
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
    _print_sign_in_links(platform, f"http://{host}:{port}")
    _serve(platform, host, port)


def _demo_mentor(platform: Platform, slug: str) -> tuple[str, str] | None:
    """(id, name) of a mentor who leads a group of ``slug``, preferring a running cohort."""
    from domain.pin import pin_id_for
    from domain.values import CohortState
    from projections import queries as q

    tenant = str(pin_id_for(slug))
    with platform.read_models.reading(tenant) as conn:
        groups = [row for _, row in q.groups(conn, tenant, first=q.MAX_PAGE, after=None).items]
        if not groups:
            return None
        cohorts = q.cohorts_by_id(conn, tenant, sorted({g.cohort_id for g in groups}))
        running = [
            g for g in groups if (c := cohorts.get(g.cohort_id)) and c.state == CohortState.RUNNING
        ]
        chosen = (running or groups)[-1]
        mentor = q.mentors_by_id(conn, tenant, [chosen.mentor_id]).get(chosen.mentor_id)
    return chosen.mentor_id, mentor.name if mentor else chosen.mentor_id


def _print_sign_in_links(platform: Platform, console: str) -> None:
    """The console's address and a one-click sign-in link per PIN and role (development only:
    the gateway refuses these links in production)."""
    from gateway.auth import issue_token
    from services.demo_data import NETWORKS

    settings = platform.settings

    def link(role: Role, tenant: str | None, subject: str) -> str:
        token = issue_token(settings, role=role, tenant=tenant, subject=subject)
        return f"{console}/auth/dev?token={token}"

    typer.echo(f"\nThe console: {console}/  (sign-in links, valid 8 hours)", err=True)
    for network in NETWORKS:
        slug = network.slug
        typer.echo(
            f"{slug:6} coordinator  {link(Role.COORDINATOR, slug, f'{slug}-coordinator')}", err=True
        )
        mentor = _demo_mentor(platform, slug)
        if mentor is not None:
            mentor_id, name = mentor
            typer.echo(
                f"{slug:6} mentor       {link(Role.MENTOR, slug, mentor_id)}  ({name})", err=True
            )
    typer.echo(f"funder             {link(Role.FUNDER, None, 'allies-funder')}", err=True)
    typer.echo(f"network            {link(Role.NETWORK, None, 'imn-network')}", err=True)


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
    from services.settings import Secret

    settings = startup.settings(Secret.TOKENS)
    if settings.jwt_algorithm != "HS256":
        startup.fail(
            "mentoring token signs HS256 tokens, and MENTORING_JWT_ALGORITHM is "
            f"{settings.jwt_algorithm}: the gateway would refuse them; your identity provider "
            "issues the tokens."
        )
    from gateway.auth import issue_token

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
        startup.fail(str(error))


def schema(
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Print the GraphQL schema (SDL); `schema.graphql` in the repository is its copy."""
    from gateway.schema import build_schema

    sdl = build_schema().as_str() + "\n"
    if output is None:
        typer.echo(sdl, nl=False)
    else:
        output.write_text(sdl)
