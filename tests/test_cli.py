"""The ``mentoring`` command line, as a coordinator uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.pin import pin_id_for
from gateway.auth import Authenticator
from gateway.bootstrap import build_platform
from gateway.cli import app
from services.context import Role
from services.settings import Settings

runner = CliRunner()


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MENTORING_DATABASE_URL", f"sqlite:///{tmp_path}/events.db")
    return tmp_path


def test_token_prints_a_token_the_gateway_accepts(store_env: Path) -> None:
    assert runner.invoke(app, ["demo", "--no-serve"]).exit_code == 0
    result = runner.invoke(app, ["token", "--tenant", "arec", "--role", "coordinator"])

    assert result.exit_code == 0, result.output
    platform = build_platform(Settings())
    caller = Authenticator(platform.settings, platform.read_models)(
        f"Bearer {result.output.strip()}"
    )
    platform.close()
    assert caller.tenant_id == pin_id_for("arec")
    assert caller.role == Role.COORDINATOR


def test_a_coordinator_token_needs_a_tenant() -> None:
    result = runner.invoke(app, ["token", "--role", "coordinator"])

    assert result.exit_code == 2
    assert "needs a tenant" in result.output


def test_demo_seeds_once_and_prints_counts_per_pin(store_env: Path) -> None:
    first = runner.invoke(app, ["demo", "--no-serve"])
    second = runner.invoke(app, ["demo", "--no-serve"])

    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    again = json.loads(second.stdout)
    assert [pin["slug"] for pin in summary["pins"]] == ["arec", "iccc", "cniea", "afca", "chc"]
    assert summary["already_seeded"] is False
    assert again["already_seeded"] is True
    assert again["pins"] == summary["pins"]
    assert (store_env / "events.db").exists()
    assert (store_env / "readmodels.db").exists()


HEAVY = ("scipy", "numpy", "strawberry", "graphql", "fastapi", "uvicorn", "kafka", "psycopg")
IMPORTED = "sorted({m.partition('.')[0] for m in sys.modules} & set(sys.argv[1].split(',')))"


def _python(script: str) -> list[str]:
    """Run ``script`` in a fresh interpreter; it prints the heavy libraries it has loaded."""
    result = subprocess.run(
        [sys.executable, "-c", script, ",".join(HEAVY)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["serve", "--help"], ["relay", "--help"], ["match", "propose", "--help"]],
    ids=" ".join,
)
def test_the_help_of_the_cli_loads_none_of_the_heavy_libraries(argv: list[str]) -> None:
    script = f"""
import json, sys
from gateway.cli import app
try:
    app({argv!r}, prog_name="mentoring")
except SystemExit:
    pass
print(json.dumps({IMPORTED}))
"""
    assert _python(script) == []


@pytest.mark.parametrize("argv", [["relay"], ["project"], ["audit", "follow"]], ids=" ".join)
def test_long_running_commands_handle_signals_before_they_import_or_connect(
    argv: list[str],
) -> None:
    script = f"""
import json, sys
from gateway.cli import app, startup

def stop_here():
    print(json.dumps({IMPORTED}))
    raise SystemExit(0)

startup.stop_on_signals = stop_here
app({argv!r}, prog_name="mentoring")
"""
    assert _python(script) == []
