"""In production every secret comes from configuration: a process that lacks one, or would use a
public development default, stops at start with one line naming the variable.

The refusals need no services: the store and Kafka they are given answer nowhere, so a command
that went on to connect would fail differently, and each runs in an empty folder that must
stay empty. The gateway that has its secrets runs on the real production path.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gateway.auth import issue_token
from services.context import Role
from services.settings import DEVELOPMENT_SECRET, Settings
from tests.integration.conftest import ProductionPath, _free_port, production_secrets

NOWHERE = {  # port 9 (discard): nothing listens there
    "MENTORING_DATABASE_URL": "postgresql://mentoring@127.0.0.1:9/mentoring",
    "MENTORING_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
}
KEK = "MENTORING_KEY_ENCRYPTION_MASTER_KEY"
AUDIT = "MENTORING_AUDIT_SIGNING_KEY"
JWT = "MENTORING_JWT_SECRET"


def mentoring(
    folder: Path, *command: str, drop: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``mentoring COMMAND`` in production with every secret, less ``drop``, plus ``env``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MENTORING_")}
    environment.update(NOWHERE)
    environment.update(production_secrets())
    for name in drop:
        del environment[name]
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *command],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_refused(result: subprocess.CompletedProcess[str], folder: Path, *named: str) -> str:
    """Refused at start: exit 2, one line naming each variable, no traceback, nothing done."""
    line = result.stderr.strip()
    assert result.returncode == 2, result.stderr
    assert "\n" not in line, result.stderr
    assert "Traceback" not in result.stderr
    for variable in named:
        assert variable in line
    assert result.stdout == ""
    assert list(folder.iterdir()) == [], "the command wrote files before refusing"
    return line


@pytest.mark.parametrize(
    ("command", "missing"),
    [
        (("serve",), JWT),
        (("serve",), KEK),
        (("serve",), AUDIT),
        (("relay",), KEK),
        (("project",), KEK),
        (("audit", "follow"), KEK),
        (("audit", "follow"), AUDIT),
        (("rebuild",), KEK),
        (("token", "--role", "funder"), JWT),
        (("match", "list", "--tenant", "arec"), KEK),
        (("retention", "--older-than", "24m", "--dry-run"), KEK),
        (("report",), KEK),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else value,
)
def test_a_production_command_without_a_secret_it_uses_refuses_to_start(
    tmp_path: Path, command: tuple[str, ...], missing: str
) -> None:
    line = assert_refused(mentoring(tmp_path, *command, drop=(missing,)), tmp_path, missing)

    assert line == f"Refusing to start in production: {missing}" + (
        " (or MENTORING_KEY_ENCRYPTION_KEYS) is not set." if missing == KEK else " is not set."
    )


def test_the_gateway_names_every_missing_secret_at_once(tmp_path: Path) -> None:
    result = mentoring(tmp_path, "serve", drop=(JWT, KEK, AUDIT))

    assert_refused(result, tmp_path, JWT, KEK, AUDIT)


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        (DEVELOPMENT_SECRET, "MENTORING_JWT_SECRET is the public development secret"),
        ("short-but-not-empty", "MENTORING_JWT_SECRET is too short (19 bytes; at least 32)"),
        ("   ", "MENTORING_JWT_SECRET is not set"),
    ],
    ids=["development", "short", "blank"],
)
@pytest.mark.parametrize("command", [("serve",), ("token", "--role", "funder")], ids=" ".join)
def test_the_gateway_and_mentoring_token_refuse_a_public_or_weak_jwt_secret(
    tmp_path: Path, command: tuple[str, ...], secret: str, reason: str
) -> None:
    result = mentoring(tmp_path, *command, MENTORING_JWT_SECRET=secret)

    assert reason in assert_refused(result, tmp_path, JWT)


def test_rs256_in_production_needs_a_public_key_or_jwks_url(tmp_path: Path) -> None:
    result = mentoring(tmp_path, "serve", drop=(JWT,), MENTORING_JWT_ALGORITHM="RS256")

    assert_refused(result, tmp_path, "MENTORING_JWT_PUBLIC_KEY", "MENTORING_JWT_JWKS_URL")


def test_the_audit_commands_that_only_read_need_no_signing_key(tmp_path: Path) -> None:
    result = mentoring(tmp_path, "audit", "checkpoints", drop=(AUDIT,))

    # It passes the check and goes on to the store, which answers nowhere.
    assert "Refusing to start" not in result.stderr
    assert result.returncode != 0


def test_the_demo_does_not_run_in_production(tmp_path: Path) -> None:
    line = assert_refused(mentoring(tmp_path, "demo", "--no-serve"), tmp_path)

    assert "MENTORING_ENVIRONMENT=production" in line


def test_a_misspelt_environment_is_refused_rather_than_taken_for_development(
    tmp_path: Path,
) -> None:
    result = mentoring(tmp_path, "serve", drop=(JWT,), MENTORING_ENVIRONMENT="prod")

    line = assert_refused(result, tmp_path, "MENTORING_ENVIRONMENT")
    assert "'development' or 'production'" in line


def test_a_refused_gateway_never_listens(tmp_path: Path) -> None:
    port = _free_port()

    result = mentoring(tmp_path, "serve", "--port", str(port), drop=(JWT,))

    assert_refused(result, tmp_path, JWT)
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), 1):
        pass


def test_a_production_gateway_with_its_secrets_serves_and_refuses_development_tokens(
    production: ProductionPath,
) -> None:
    secrets = production_secrets()
    port = _free_port()
    gateway = production.start("serve", "--port", str(port), **secrets)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert gateway.poll() is None, production.stderr[gateway.pid].text()
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the gateway did not answer /healthz within 60 s"
        time.sleep(0.05)

    def me(secret: str) -> httpx.Response:
        settings = Settings(jwt_secret=secret)
        token = issue_token(settings, role=Role.FUNDER, tenant=None, subject="auditor")
        return httpx.post(
            f"{base}/graphql",
            json={"query": "{ me { role } }"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    configured = me(secrets["MENTORING_JWT_SECRET"])
    development = me(DEVELOPMENT_SECRET)

    assert configured.json() == {"data": {"me": {"role": "funder"}}}
    assert development.status_code == 401 or [
        error["extensions"]["code"] for error in development.json()["errors"]
    ] == ["UNAUTHENTICATED"]


def test_the_production_processes_start_with_their_secrets(production: ProductionPath) -> None:
    secrets = production_secrets()
    relay = production.start("relay", **secrets)
    projector = production.start("project", **secrets)
    follower = production.start("audit", "follow", **secrets)

    production.wait_for_line(relay, "relay ready")
    production.wait_for_line(projector, "projector ready")
    production.wait_for_line(follower, "audit follower ready")
