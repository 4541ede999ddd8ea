"""``mentoring erase``, ``mentoring export`` and ``mentoring retention``: personal data on request.

They run the same use cases as the GraphQL mutations, as the coordinator of ``--tenant`` (the
retention acts as each person's PIN), on the configured store (MENTORING_DATABASE_URL). Output
names people by id only: an erasure or a retention run never prints a name into a terminal or
a log.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from gateway.cli import startup
from services.context import Role, TenantContext
from services.errors import BadInput

if TYPE_CHECKING:
    from rich.progress import Progress

erase_app = typer.Typer(
    help="Erase a person: destroy their data key, record the erasure, purge the read models.",
    no_args_is_help=True,
    add_completion=False,
)

TenantOption = Annotated[str, typer.Option(help="Your PIN's slug (you act as its coordinator).")]
PersonArgument = Annotated[str, typer.Argument(help="The person's id.")]


def _id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise BadInput(f"{value!r} is not a valid id.") from None


def _coordinator(tenant: str) -> TenantContext:
    from domain.pin import pin_id_for

    return TenantContext(pin_id_for(tenant), Role.COORDINATOR, f"{tenant}-coordinator-cli")


def _erase(kind: str, person: str, tenant: str) -> None:
    from services.privacy import use_cases as pu

    with startup.platform() as platform:
        use_case = pu.erase_mentee if kind == "mentee" else pu.erase_mentor
        changed = use_case(platform.store, pu.ErasePerson(_id(person)), _coordinator(tenant))
        platform.catch_up(changed.position)
        typer.echo(f"erased {kind} {changed.id}; position {changed.position}", err=True)


@erase_app.command("mentee")
def erase_mentee(person: PersonArgument, tenant: TenantOption) -> None:
    """Erase a mentee of your PIN (cannot be undone; counts and reports do not change)."""
    _erase("mentee", person, tenant)


@erase_app.command("mentor")
def erase_mentor(person: PersonArgument, tenant: TenantOption) -> None:
    """Erase a mentor of your PIN (cannot be undone; counts and reports do not change)."""
    _erase("mentor", person, tenant)


def export(
    person: PersonArgument,
    tenant: TenantOption,
    output: Annotated[
        Path | None, typer.Option(help="Write the JSON to this file instead of standard output.")
    ] = None,
) -> None:
    """Access export: everything held about one person of your PIN, as JSON."""
    from projections.privacy import queries as pq
    from services.privacy import use_cases as pu

    with startup.platform() as platform:
        caller, ident = _coordinator(tenant), _id(person)
        document = pu.person_record(platform.store, ident, caller)
        with platform.read_models.reading(str(caller.tenant_id)) as conn:
            document["read_models"] = pq.rows_about(conn, str(caller.tenant_id), str(ident))
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
        typer.echo(f"wrote {output}", err=True)


def retention(
    older_than: Annotated[
        str, typer.Option("--older-than", help="The period: 24m (months), 2y (years), 730d (days).")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List only; erase nobody.")] = False,
    tenant: Annotated[str | None, typer.Option(help="Only this PIN's people (slug).")] = None,
    today: Annotated[
        str | None, typer.Option(help="Count the period back from this day (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Erase the people whose last programme activity is older than the period (idempotent)."""
    from domain.errors import InvalidValue
    from domain.pin import pin_id_for
    from services.privacy.retention import cutoff, erase_all, parse_period, programme_activity

    try:
        parse_period(older_than)
    except InvalidValue as error:
        startup.fail(f"BAD_INPUT: {error}")
    with startup.platform() as platform:
        try:
            day = date.fromisoformat(today) if today else date.today()
        except ValueError:
            raise BadInput(f"--today must be a date (YYYY-MM-DD), not {today!r}.") from None
        before = cutoff(day, older_than)
        store = platform.store
        head = store.recorder.max_notification_id() or 0
        with _progress() as progress:
            task = progress.add_task("reading the store", total=head)
            activity = programme_activity(
                store, lambda position: progress.update(task, completed=position)
            )
        people = activity.inactive_since(before, pin_id_for(tenant) if tenant else None)
        for person in people:
            typer.echo(f"{person.kind}\t{person.person_id}\t{person.tenant_id}\t{person.last}")
        if dry_run or not people:
            what = "would be erased" if dry_run else "to erase"
            typer.echo(f"{len(people)} people {what} (last activity before {before}).", err=True)
            return
        with _progress() as progress:
            task = progress.add_task("erasing", total=len(people))
            erased = erase_all(store, people, lambda _: progress.advance(task))
        platform.catch_up(store.recorder.max_notification_id() or 0)
        typer.echo(f"erased {erased} people (last activity before {before}).", err=True)


def _progress() -> Progress:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} / {task.total:,}"),
        console=Console(stderr=True),
    )
