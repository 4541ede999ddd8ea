"""``python -m gateway.cli``: the ``mentoring`` command, as the tests start it."""

from gateway.cli import app

app()
