"""schema.graphql in the repository is the schema the gateway serves."""

from __future__ import annotations

from pathlib import Path

from gateway.schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_the_committed_schema_matches_the_served_one() -> None:
    served = build_schema().as_str() + "\n"
    assert SCHEMA_FILE.read_text() == served, (
        "schema.graphql is out of date: run `.venv/bin/mentoring schema --output schema.graphql` "
        "and review the difference."
    )
