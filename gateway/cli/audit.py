"""``mentoring audit ...`` and ``mentoring report``: the audit trail on the command line.

Commands that read the trail first catch it up with the event store, so they work the same
embedded (no follower running) and in production (where ``mentoring audit follow`` runs).
"""

from __future__ import annotations

import csv
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gateway.cli import startup

if TYPE_CHECKING:
    from gateway.audit.trail import AuditTrail

log = logging.getLogger("mentoring.cli")

audit_app = typer.Typer(
    help="The audit trail: follow the store, sign checkpoints, export, prove, verify offline.",
    no_args_is_help=True,
)
prove_app = typer.Typer(
    help="Print an inclusion or consistency proof as JSON.", no_args_is_help=True
)
audit_app.add_typer(prove_app, name="prove")

PinOption = Annotated[
    str | None, typer.Option("--pin", help="A PIN's tree (slug); default: the global tree.")
]


@contextmanager
def _trail(*, signs: bool) -> Iterator[AuditTrail]:
    """The audit trail over the configured store and read models, caught up.

    ``signs``: the command signs checkpoints or shows the key, so production needs the key.
    """
    from services.settings import Secret

    uses = (Secret.PERSONAL_DATA, Secret.AUDIT_SIGNING) if signs else (Secret.PERSONAL_DATA,)
    settings = startup.settings(*uses)
    from gateway.audit.trail import LogRewritten
    from gateway.bootstrap import audit_trail
    from services.audit.signing import SigningKeyError

    with audit_trail(settings) as trail:
        try:
            trail.pump()
            yield trail
        # LookupError: no checkpoint yet, an unknown tree size or position (one line each).
        except (SigningKeyError, LogRewritten, LookupError, ValueError) as error:
            startup.fail(str(error))


def _print(document: Any) -> None:
    typer.echo(json.dumps(document, indent=2, sort_keys=True))


@audit_app.command()
def follow(
    drain: Annotated[
        bool, typer.Option(help="Append what is pending, sign due checkpoints, then exit.")
    ] = False,
) -> None:
    """Run the audit projection: follow the store, sign checkpoints on schedule."""
    stopping = startup.stop_on_signals()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    import psycopg

    try:
        with _trail(signs=True) as trail:
            if drain:
                issued = trail.checkpoint_if_due()
                head = trail.log.head()
                typer.echo(
                    f"audit log at {head.size} events; signed {len(issued)} checkpoint(s)",
                    err=True,
                )
                return
            log.info("audit follower ready")
            trail.follow(stopping, trail.settings.relay_poll_interval)
    except psycopg.OperationalError as error:
        startup.fail(f"audit: lost the database ({error}); exiting to restart cleanly.", 1)


@audit_app.command()
def checkpoint(pin: PinOption = None) -> None:
    """Sign a checkpoint of the tree now and print it (JSON); unchanged trees keep theirs."""
    with _trail(signs=True) as trail:
        _print(trail.issue_checkpoint(trail.tree(pin)).to_json())


@audit_app.command("checkpoints")
def list_checkpoints(pin: PinOption = None) -> None:
    """Print the tree's signed checkpoints (JSON, newest first)."""
    with _trail(signs=False) as trail:
        _print([c.to_json() for c in trail.log.checkpoints(trail.tree(pin))])


@audit_app.command("public-key")
def public_key(
    pem: Annotated[bool, typer.Option(help="PEM instead of base64.")] = False,
) -> None:
    """Print the public key that verifies checkpoints."""
    with _trail(signs=True) as trail:
        typer.echo(trail.signer.public_key_pem if pem else trail.signer.public_key_base64)


@audit_app.command("export")
def export_command(
    folder: Annotated[Path, typer.Argument(help="Folder to write the export into.")],
    pin: PinOption = None,
) -> None:
    """Write the event export: events.jsonl, checkpoints.json, public-key.pem, manifest.json."""
    from gateway.audit.files import export

    with _trail(signs=True) as trail:
        count = export(trail, folder, trail.tree(pin))
    typer.echo(f"exported {count} event(s) to {folder}", err=True)


@prove_app.command()
def inclusion(
    position: Annotated[int, typer.Option(help="Store position of the event.")],
    tree_size: Annotated[
        int | None, typer.Option(help="Tree size; default: the latest checkpoint's.")
    ] = None,
    pin: PinOption = None,
) -> None:
    """Prove that the event at a store position is in the tree."""
    with _trail(signs=False) as trail:
        _print(trail.inclusion_document(trail.tree(pin), position, tree_size))


@prove_app.command()
def consistency(
    old: Annotated[int, typer.Option(help="The earlier tree size.")],
    new: Annotated[
        int | None, typer.Option(help="The later size; default: the latest checkpoint's.")
    ] = None,
    pin: PinOption = None,
) -> None:
    """Prove that the tree of OLD leaves is a prefix of the tree of NEW leaves."""
    with _trail(signs=False) as trail:
        _print(trail.consistency_document(trail.tree(pin), old, new))


@audit_app.command("verify")
def verify_command(
    folder: Annotated[Path, typer.Argument(help="An export written by `audit export`.")],
    public_key: Annotated[
        Path | None, typer.Option(help="The public key (PEM or base64), obtained independently.")
    ] = None,
    checkpoint: Annotated[
        list[Path] | None, typer.Option(help="More checkpoint files (JSON), e.g. kept earlier.")
    ] = None,
    proof: Annotated[list[Path] | None, typer.Option(help="Proof files to check.")] = None,
    report: Annotated[
        list[Path] | None,
        typer.Option(
            help="Report files to recompute; a report carrying its signature (the API's "
            "document and signature) has that checked too."
        ),
    ] = None,
) -> None:
    """Verify offline, from files only; exit 1 and name the first mismatch if any check fails."""
    from gateway.audit.files import verify
    from services.audit.signing import parse_public_key

    key = parse_public_key(public_key.read_text()) if public_key else None
    verifier = verify(
        folder,
        public_key=key,
        checkpoint_files=checkpoint or [],
        proof_files=proof or [],
        report_files=report or [],
    )
    for finding in verifier.findings:
        typer.echo(finding.line())
    failed = sum(not f.ok for f in verifier.findings)
    typer.echo(f"{len(verifier.findings) - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


def report(
    format: Annotated[
        ReportFormat, typer.Option("--format", help="json or csv.")
    ] = ReportFormat.JSON,
    pin: Annotated[
        str | None, typer.Option(help="One PIN's own figures (unsuppressed); default: all PINs.")
    ] = None,
    new_checkpoint: Annotated[
        bool, typer.Option(help="Sign a checkpoint first, so the report covers every event.")
    ] = False,
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """The funder report (cohorts, rounds, programme), from the latest signed checkpoint."""
    from domain.pin import pin_id_for
    from projections.audit.funder_report import rows

    with _trail(signs=new_checkpoint) as trail:
        if new_checkpoint:
            trail.issue_checkpoint()
        document = trail.report(str(pin_id_for(pin)) if pin else None)
    stream = output.open("w", newline="") if output else sys.stdout
    try:
        if format == ReportFormat.JSON:
            stream.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
        else:
            table = rows(document)
            writer = csv.DictWriter(stream, fieldnames=list(table[0]) if table else ["section"])
            writer.writeheader()
            writer.writerows(table)
    finally:
        if output:
            stream.close()
