"""Outside in: the platform's real processes on real ports, met only as a client meets them.

``served`` starts the installed ``mentoring`` command in subprocesses, once per store for the
whole session: embedded (``mentoring demo --no-serve`` then ``mentoring serve`` on a SQLite
store) and the production path (``mentoring relay`` and ``mentoring project`` against the real
PostgreSQL and Kafka of ``deploy/local``, then the same two commands). Tests talk to it over
TCP only: httpx for HTTP, the ``websockets`` client library for subscriptions. Nothing here
imports the app; tokens are signed with the secret the processes were given, as an identity
provider would.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import jwt
import pytest

from tests.conftest import fresh_database, require_service

ROOT = Path(__file__).resolve().parents[2]
MENTORING = Path(sys.executable).with_name("mentoring")
SECRET = "outside-in-" + uuid.uuid4().hex + uuid.uuid4().hex
START_DEADLINE = 180.0  # seconds for a process to become ready on a busy machine
SEEDED_PINS = ("arec", "iccc", "cniea", "afca", "chc")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Served:
    """A running platform and the way a client reaches it."""

    kind: str
    """embedded or production"""
    base_url: str
    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1) + "/graphql"

    def token(
        self,
        *,
        role: str = "coordinator",
        tenant: str | None = "arec",
        subject: str = "outside-coordinator",
        secret: str = SECRET,
        lifetime: int = 3600,
        **claims: Any,
    ) -> str:
        """An HS256 token as the configured identity provider would sign it."""
        now = int(time.time())
        body: dict[str, Any] = {
            "sub": subject,
            "role": role,
            "iss": "mentoring",
            "aud": "mentoring",
            "iat": now,
            "exp": now + lifetime,
        }
        if tenant is not None:
            body["tenant"] = tenant
        body.update(claims)
        return jwt.encode(body, secret, algorithm="HS256")

    def client(self, timeout: float = 30) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=timeout)

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        timeout: float = 30,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        with self.client(timeout) as http:
            return http.post("/graphql", json=body, headers=headers)

    def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str
    ) -> dict[str, Any]:
        response = self.post(query, variables, token=token)
        assert response.status_code == 200, response.text[:500]
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def saved(self, query: str, variables: dict[str, Any] | None = None, *, token: str) -> int:
        """Run a setup mutation; its position, whether or not the read models show it yet.

        A write answers STALE when the projectors have not caught up within the gateway's
        consistency timeout (for example while a consumer group is still rebalancing): the
        change was saved all the same, and a later read with ``consistentWith`` waits for it.
        """
        response = self.post(query, variables, token=token)
        assert response.status_code == 200, response.text[:500]
        body = response.json()
        errors = body.get("errors") or []
        if errors:
            assert [e["extensions"]["code"] for e in errors] == ["STALE"], errors
            return int(errors[0]["extensions"]["position"])
        (answer,) = body["data"].values()
        return int(answer["position"])

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run ``mentoring ARGS`` against the same store, to completion."""
        return subprocess.run(
            [str(MENTORING), *args],
            cwd=self.logs,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def alive(self) -> None:
        """Every process still runs."""
        for name, process in self.processes.items():
            assert process.poll() is None, (
                f"{name} exited with {process.returncode}:\n{_tail(self.logs / f'{name}.log')}"
            )


def start(served: Served, name: str, *args: str, **env: str) -> subprocess.Popen[bytes]:
    """Start ``mentoring ARGS`` in the background, its output in ``logs/NAME.log``."""
    log = (served.logs / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [str(MENTORING), *args],
        cwd=served.logs,
        env={**served.env, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    served.processes[name] = process
    return process


def wait_until_ready(served: Served, name: str = "serve") -> None:
    """Poll ``/readyz`` until the gateway says it is ready; fail at once if it exits."""
    process = served.processes[name]
    deadline = time.monotonic() + START_DEADLINE
    last = "no answer"
    with httpx.Client(base_url=served.base_url, timeout=5) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(
                    f"`mentoring {name}` exited with {process.returncode}:\n"
                    + _tail(served.logs / f"{name}.log")
                )
            try:
                answer = http.get("/readyz")
                if answer.status_code == 200 and answer.json().get("status") == "ready":
                    return
                last = f"{answer.status_code} {answer.text[:200]}"
            except httpx.TransportError as error:
                last = repr(error)
            time.sleep(0.1)
    pytest.fail(
        f"`mentoring {name}` was not ready in time ({last}):\n" + _tail(served.logs / f"{name}.log")
    )


def stop(served: Served) -> None:
    for process in served.processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in served.processes.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORING_")}
    env.update(
        MENTORING_JWT_SECRET=SECRET,
        MENTORING_CONSISTENCY_TIMEOUT="2",
        PYTHONUNBUFFERED="1",
    )
    env.update(values)
    return env


def kafka_environment(url: str, bootstrap: str, name: str, **values: str) -> dict[str, str]:
    """The production path's settings on a fresh database, with a topic and consumer group of
    their own (``name``), any free /metrics port, and ``values`` on top."""
    suffix = uuid.uuid4().hex[:8]
    return environment(
        MENTORING_DATABASE_URL=url,
        MENTORING_KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        MENTORING_KAFKA_TOPIC=f"{name}.{suffix}",
        MENTORING_KAFKA_CONSUMER_GROUP=f"{name}-{suffix}",
        MENTORING_METRICS_PORT="0",
        **values,
    )


def through(url: str, port: int) -> str:
    """``url`` with its host and port replaced by a loopback relay's (tests/faults.py)."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


def logged(served: Served, name: str, pattern: re.Pattern[str]) -> None:
    """Wait until process ``name`` logs ``pattern``; fail at once if it exits."""
    log, process = served.logs / f"{name}.log", served.processes[name]
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if pattern.search(log.read_text(errors="replace") if log.exists() else ""):
            return
        if process.poll() is not None:
            pytest.fail(f"`{name}` exited with {process.returncode}:\n{_tail(log)}")
        time.sleep(0.1)
    pytest.fail(f"`{name}` never logged {pattern.pattern!r}:\n{_tail(log)}")


def _seed(served: Served) -> None:
    seeded = served.cli("demo", "--no-serve")
    assert seeded.returncode == 0, seeded.stderr[-3000:]


@pytest.fixture(scope="session", params=["embedded", "production"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The demo programme served by real processes, once per store for the session."""
    kind: str = request.param
    logs = tmp_path_factory.mktemp(f"outside-{kind}")
    port = free_port()
    if kind == "embedded":
        served = Served(
            kind,
            f"http://127.0.0.1:{port}",
            environment(MENTORING_DATABASE_URL=f"sqlite:///{logs}/events.db"),
            logs,
        )
        try:
            _seed(served)
            start(served, "serve", "serve", "--port", str(port))
            wait_until_ready(served)
            yield served
        finally:
            stop(served)
        return
    server = require_service("MENTORING_TEST_DATABASE_URL", "PostgreSQL")
    bootstrap = require_service("MENTORING_TEST_KAFKA_BOOTSTRAP_SERVERS", "Kafka")
    suffix = uuid.uuid4().hex[:8]
    with fresh_database(server) as url:
        served = Served(
            kind,
            f"http://127.0.0.1:{port}",
            environment(
                MENTORING_DATABASE_URL=url,
                MENTORING_KAFKA_BOOTSTRAP_SERVERS=bootstrap,
                MENTORING_KAFKA_TOPIC=f"outside.{suffix}",
                MENTORING_KAFKA_TOPIC_PARTITIONS="3",
                MENTORING_KAFKA_CONSUMER_GROUP=f"outside-{suffix}",
                MENTORING_CONSISTENCY_TIMEOUT="10",
            ),
            logs,
        )
        try:
            start(served, "relay", "relay", MENTORING_METRICS_PORT=str(free_port()))
            start(served, "project", "project", MENTORING_METRICS_PORT=str(free_port()))
            _seed(served)
            start(served, "serve", "serve", "--port", str(port))
            wait_until_ready(served)
            yield served
        finally:
            stop(served)
