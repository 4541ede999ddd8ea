"""The read models' schema migrations: plain SQL files in projections/sql, applied in order."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from projections.database import Executor


def migrations() -> list[tuple[str, str]]:
    """The schema migrations shipped with the package, as (version, sql) in order."""
    folder = resources.files("projections") / "sql"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text()) for f in files]


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (no semicolons inside statements or comments)."""
    code = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [statement for statement in code.split(";") if statement.strip()]


def migrate(tx: Executor) -> list[str]:
    """Apply the migrations not yet applied; return their versions."""
    tx.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
    )
    applied = {
        row["version"] for row in tx.execute("SELECT version FROM schema_migrations").fetchall()
    }
    done = []
    for version, sql in migrations():
        if version in applied:
            continue
        for statement in _statements(sql):
            tx.execute(statement)
        tx.execute("INSERT INTO schema_migrations (version) VALUES (?)", (version,))
        done.append(version)
    return done
