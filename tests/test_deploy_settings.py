"""The deployment files (docker-compose, Kubernetes) against what the platform reads.

Every ``MENTORING_*`` variable a deployment sets must be a field of ``Settings`` (a renamed
setting fails here instead of being silently ignored in production), every app process must get
the database, Kafka and the token secret, and every process must run a command of the CLI.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from gateway.cli import app as cli
from services.settings import Settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
K8S = DEPLOY / "k8s"

PREFIX = "MENTORING_"
ESSENTIAL = ("MENTORING_DATABASE_URL", "MENTORING_KAFKA_BOOTSTRAP_SERVERS", "MENTORING_JWT_SECRET")
# The platform's long-running and one-off work.
PROCESSES = {"serve", "relay", "project", "rebuild", "audit"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}


@dataclass(frozen=True)
class Process:
    """One container the deployment runs from the platform's image."""

    where: str
    argv: tuple[str, ...]  # the arguments after the image's entrypoint, `mentoring`
    env: dict[str, str]  # every variable it starts with (envFrom resolved)
    replicas: int

    @property
    def command(self) -> str:
        return self.argv[0] if self.argv else ""


def _is_setting(name: str) -> bool:
    return name.removeprefix(PREFIX).lower() in Settings.model_fields


def _ours(names: Any) -> list[str]:
    return sorted(name for name in names if name.startswith(PREFIX))


# --- docker-compose ---------------------------------------------------------------------------


def _compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def _compose_env(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):  # the KEY=VALUE form
        environment = dict(item.partition("=")[::2] for item in environment)
    return {name: "" if value is None else str(value) for name, value in environment.items()}


def _compose_processes() -> list[Process]:
    processes = []
    for name, service in _compose()["services"].items():
        build = service.get("build")
        if not (isinstance(build, dict) and build.get("dockerfile") == "deploy/Dockerfile"):
            continue  # postgres, kafka
        command = service.get("command") or []
        argv = tuple(command.split() if isinstance(command, str) else command)
        replicas = (service.get("deploy") or {}).get("replicas", 1)
        processes.append(
            Process(f"docker-compose.yml: {name}", argv, _compose_env(service), replicas)
        )
    return processes


def _compose_variables() -> list[str]:
    return _ours(
        name for service in _compose()["services"].values() for name in _compose_env(service)
    )


# --- Kubernetes -------------------------------------------------------------------------------


def _k8s_documents() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                yield path.name, document


def _name(document: dict[str, Any]) -> str:
    metadata = document["metadata"]
    return str(metadata.get("name") or metadata["generateName"])


def _config_maps() -> dict[str, dict[str, str]]:
    return {
        _name(doc): doc.get("data") or {}
        for _, doc in _k8s_documents()
        if doc["kind"] == "ConfigMap"
    }


def _secrets() -> dict[str, dict[str, str]]:
    secrets = {}
    for _, doc in _k8s_documents():
        if doc["kind"] == "Secret":
            values = {k: base64.b64decode(v).decode() for k, v in (doc.get("data") or {}).items()}
            values.update(doc.get("stringData") or {})
            secrets[_name(doc)] = values
    return secrets


def _pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    pod: dict[str, Any] = spec["template"]["spec"]
    return pod


def _workloads() -> Iterator[tuple[str, dict[str, Any]]]:
    for file, doc in _k8s_documents():
        if doc["kind"] in WORKLOAD_KINDS:
            yield file, doc


def _argv(where: str, container: dict[str, Any]) -> tuple[str, ...]:
    """The container's arguments to `mentoring` (`command` replaces the image's entrypoint)."""
    command = container.get("command") or ["mentoring"]
    assert command[0] == "mentoring", f"{where}: runs {command[0]!r}, not mentoring"
    return tuple(command[1:]) + tuple(container.get("args") or ())


def _k8s_processes() -> list[Process]:
    config_maps, secrets = _config_maps(), _secrets()
    processes = []
    for file, workload in _workloads():
        for container in _pod_spec(workload)["containers"]:
            where = (
                f"k8s/{file}: {workload['kind']} {_name(workload)}, container {container['name']}"
            )
            env: dict[str, str] = {}
            for source in container.get("envFrom") or []:
                if "configMapRef" in source:
                    name = source["configMapRef"]["name"]
                    assert name in config_maps, f"{where}: no ConfigMap {name!r} in deploy/k8s"
                    env.update(config_maps[name])
                if "secretRef" in source:
                    name = source["secretRef"]["name"]
                    assert name in secrets, f"{where}: no Secret {name!r} in deploy/k8s"
                    env.update(secrets[name])
            for variable in container.get("env") or []:
                env[variable["name"]] = str(variable.get("value", ""))
            replicas = workload["spec"].get("replicas", 1)
            processes.append(Process(where, _argv(where, container), env, replicas))
    return processes


def _k8s_variables() -> list[str]:
    names: list[str] = []
    for values in [*_config_maps().values(), *_secrets().values()]:
        names.extend(values)
    for _, workload in _workloads():
        for container in _pod_spec(workload)["containers"]:
            names.extend(variable["name"] for variable in container.get("env") or [])
    return _ours(names)


ALL_PROCESSES = _compose_processes() + _k8s_processes()


def _settings_of(process: Process, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings the process reads at start: its environment, and nothing of the test's."""
    for name in _ours(os.environ):
        monkeypatch.delenv(name)
    for name, value in process.env.items():
        monkeypatch.setenv(name, value)
    return Settings()


BY_WHERE = pytest.mark.parametrize("process", ALL_PROCESSES, ids=lambda p: p.where)


# --- the checks -------------------------------------------------------------------------------


def test_the_deployment_files_describe_every_process_of_the_platform() -> None:
    assert {p.command for p in _compose_processes()} == {"serve", "relay", "project", "audit"}
    assert {p.command for p in _k8s_processes()} == PROCESSES


def test_every_variable_the_compose_file_sets_is_a_setting_the_platform_reads() -> None:
    variables = _compose_variables()

    assert variables, "the compose file sets no MENTORING_* variable"
    assert [name for name in variables if not _is_setting(name)] == []


def test_every_variable_the_kubernetes_manifests_set_is_a_setting_the_platform_reads() -> None:
    variables = _k8s_variables()

    assert variables, "the Kubernetes manifests set no MENTORING_* variable"
    assert [name for name in variables if not _is_setting(name)] == []


def test_every_configmap_value_is_a_string_as_kubernetes_requires() -> None:
    for name, data in _config_maps().items():
        assert [k for k, v in data.items() if not isinstance(v, str)] == [], name


@BY_WHERE
def test_every_app_process_gets_the_database_kafka_and_the_token_secret(process: Process) -> None:
    missing = [name for name in ESSENTIAL if not process.env.get(name)]

    assert missing == [], f"{process.where} lacks {missing}"


@BY_WHERE
def test_every_value_a_process_starts_with_is_one_the_settings_accept(
    process: Process, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings_of(process, monkeypatch)  # raises where the process would refuse to start

    assert settings.uses_postgres, f"{process.where} does not use PostgreSQL"
    assert settings.kafka_bootstrap_servers, f"{process.where} does not use Kafka"


@BY_WHERE
def test_every_process_runs_a_command_of_the_mentoring_cli(process: Process) -> None:
    cli_commands = set(typer.main.get_command(cli).commands)

    assert process.command in PROCESSES, f"{process.where} runs {process.argv}"
    assert process.command in cli_commands, (
        f"{process.where} runs `mentoring {process.command}`, which the CLI lacks "
        f"(it has {sorted(cli_commands)})"
    )


def test_no_deployment_runs_more_projectors_than_the_topic_has_partitions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    projectors = [p for p in ALL_PROCESSES if p.command == "project"]

    assert projectors
    for process in projectors:
        partitions = _settings_of(process, monkeypatch).kafka_topic_partitions
        assert process.replicas <= partitions, f"{process.where}: {process.replicas} replicas"


def test_the_gateway_is_live_on_healthz_and_ready_on_readyz() -> None:
    gateways = [
        container
        for _, workload in _workloads()
        for container in _pod_spec(workload)["containers"]
        if _argv("gateway", container)[:1] == ("serve",)
    ]

    assert gateways
    for container in gateways:
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_the_image_installs_the_projects_own_dependencies_websocket_server_included() -> None:
    """The image installs the project itself, so it gets what pyproject.toml lists: a uvicorn
    without a WebSocket implementation answers every subscription's upgrade with 400."""
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    pyproject = (DEPLOY.parent / "pyproject.toml").read_text()
    assert "RUN pip install . " in dockerfile or "RUN pip install .\n" in dockerfile
    assert '"uvicorn[standard]==' in pyproject
