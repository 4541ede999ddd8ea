"""``mentoring statistics``: release the public statistics, and show the latest release."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from gateway.cli.audit import _trail

statistics_app = typer.Typer(
    help="The public programme statistics: protected releases (docs/privacy.md).",
    no_args_is_help=True,
)


@statistics_app.command("release")
def release() -> None:
    """Compute, protect and store a release of the statistics as they are now."""
    with _trail(signs=False) as trail:
        released = trail.releases.release()
    typer.echo(json.dumps(asdict(released), indent=2))


@statistics_app.command("show")
def show(
    by: Annotated[str, typer.Option(help="pin, profession, cohort or total.")] = "pin",
) -> None:
    """Print the latest release, broken down by one dimension, as JSON."""
    from projections.statistics import Dimension

    try:
        dimension = Dimension(by)
    except ValueError:
        raise typer.BadParameter(
            f"--by is one of {', '.join(d.value for d in Dimension)}."
        ) from None
    with _trail(signs=False) as trail:
        stats = trail.releases.statistics(dimension)
    typer.echo(json.dumps(asdict(stats), indent=2, default=str))
