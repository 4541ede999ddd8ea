"""The ``mentoring`` command: serve the gateway, run the production path, seed the demo.

One module per group of commands. Each command imports what it uses when it runs, so
``mentoring --help`` loads typer and nothing of scipy, strawberry, FastAPI or Kafka, and a
long-running command installs its signal handlers before those imports. Every command reads
its settings through ``startup.settings``: in production it stops there, with one line,
when a secret it uses is missing or public.
"""

from __future__ import annotations

import typer

from gateway.cli.audit import audit_app, report
from gateway.cli.bus import project, relay
from gateway.cli.match import match_app
from gateway.cli.privacy import erase_app, export, retention
from gateway.cli.rebuild import rebuild
from gateway.cli.serving import demo, schema, serve, token
from gateway.cli.statistics import statistics_app

app = typer.Typer(
    help="Group mentoring of skilled immigrants: the platform's command line.",
    no_args_is_help=True,
    add_completion=False,
)

for command in (serve, demo, token, relay, project, schema, rebuild, export, retention, report):
    app.command()(command)
app.add_typer(audit_app, name="audit")
app.add_typer(match_app, name="match")
app.add_typer(erase_app, name="erase")
app.add_typer(statistics_app, name="statistics")
